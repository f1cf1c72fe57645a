/*
 * console.c - the console, for demos: UTF-8 output, colour, and --pause.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_console.h"

#include <stdio.h>

#include "wm_system.h"

/* Characters read per ReadConsoleW call while waiting for Enter. */
#define WM_PAUSE_READ_CHARS 64

void wm_console_init(void)
{
    /* Fails harmlessly when stdout is not a console (under ctest it is a pipe). */
    (void)SetConsoleOutputCP(CP_UTF8);
}

int wm_console_is_console(DWORD which)
{
    HANDLE handle = GetStdHandle(which);
    DWORD mode = 0;
    BOOL ok = FALSE;

    if (handle == NULL || handle == INVALID_HANDLE_VALUE) {
        return 0;
    }
    /* GetConsoleMode succeeds only on a console handle: the documented way to tell. */
    ok = GetConsoleMode(handle, &mode);
    return ok ? 1 : 0;
}

int wm_console_use_color(wm_color_mode_t mode)
{
    HANDLE out = NULL;
    DWORD console_mode = 0;
    DWORD no_color_length = 0;
    wchar_t no_color[2];
    BOOL ok = FALSE;

    if (mode == WM_COLOR_NEVER) {
        return 0;
    }
    if (mode == WM_COLOR_ALWAYS) {
        return 1;
    }
    /* https://no-color.org: a NO_COLOR variable that is present and not empty. The
     * return value is the length without NUL, or the size needed if it does not fit. */
    no_color_length = GetEnvironmentVariableW(L"NO_COLOR", no_color, 2);
    if (no_color_length > 0) {
        return 0;
    }
    out = GetStdHandle(STD_OUTPUT_HANDLE);
    ok = GetConsoleMode(out, &console_mode);
    if (!ok) {
        return 0; /* a pipe or a file */
    }
    /* Wine 8 accepts ENABLE_VIRTUAL_TERMINAL_PROCESSING on a terminal but drops the ESC
     * byte and prints the rest ("[1m"), measured under tmux: no colour there. */
    if (wm_is_wine()) {
        return 0;
    }
    /* Windows 10 consoles understand ANSI sequences once this mode bit is on; older
     * consoles refuse it, and then we print plain text. */
    ok = SetConsoleMode(out, console_mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    return ok ? 1 : 0;
}

int wm_console_pause(const char *next)
{
    HANDLE in = NULL;
    wchar_t line[WM_PAUSE_READ_CHARS];
    DWORD got = 0;
    DWORD i = 0;
    BOOL ok = FALSE;

    if (!wm_console_is_console(STD_INPUT_HANDLE)) {
        return -1;
    }
    in = GetStdHandle(STD_INPUT_HANDLE);
    printf("\n-- paused: process ID %lu. Attach VMMap, WinDbg or Process Explorer now.\n"
           "-- Press Enter to %s.\n",
           (unsigned long)GetCurrentProcessId(), next);
    fflush(stdout);
    for (;;) {
        ok = ReadConsoleW(in, line, WM_PAUSE_READ_CHARS, &got, NULL);
        if (!ok || got == 0) {
            return 0;
        }
        for (i = 0; i < got; i++) {
            if (line[i] == L'\n' || line[i] == L'\r') {
                return 0;
            }
        }
    }
}
