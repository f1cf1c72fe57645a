/*
 * wm_console.h - the console, for demos: UTF-8 output, colour, and --pause.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_CONSOLE_H
#define WM_CONSOLE_H

#include <windows.h>

#include "wm_args.h"

/* ANSI colours, written only when colour is on. */
#define WM_ANSI_RESET "\x1b[0m"
#define WM_ANSI_BOLD "\x1b[1m"
#define WM_ANSI_GREEN "\x1b[32m"
#define WM_ANSI_YELLOW "\x1b[33m"
#define WM_ANSI_RED "\x1b[31m"
#define WM_ANSI_DIM "\x1b[2m"

/* Makes a console show the UTF-8 the demos print. Harmless when stdout is a pipe. */
void wm_console_init(void);

/* 1 when the standard handle (STD_INPUT_HANDLE, STD_OUTPUT_HANDLE) is a console. */
int wm_console_is_console(DWORD which);

/*
 * Decides whether to colour output: never for WM_COLOR_NEVER; always for
 * WM_COLOR_ALWAYS; for WM_COLOR_AUTO only when stdout is a console that accepts ANSI
 * sequences (virtual terminal processing), the NO_COLOR variable is unset or empty, and
 * the runtime is not Wine (whose console drops the escape byte).
 */
int wm_console_use_color(wm_color_mode_t mode);

/*
 * For --pause: if stdin is a console, prints the process ID and what comes next, and
 * waits for Enter. Returns 0 then; returns -1 without waiting when stdin is not a console
 * (a pipe, a file, CI), so that a paused demo can never hang a script.
 */
int wm_console_pause(const char *next);

#endif /* WM_CONSOLE_H */
