/*
 * wm_process.h - run a program as a child process and collect what it prints.
 *
 * Lessons use this to show what only a second process can show (a private address space,
 * a crash that must not take the lesson down), and the tour uses it to run each lesson.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_PROCESS_H
#define WM_PROCESS_H

#include <stddef.h>
#include <windows.h>

/* Longest command line CreateProcessW accepts, in characters, including the NUL. */
#define WM_COMMAND_LINE_MAX 32768

/* Receives the child's standard output in chunks, as they arrive. */
typedef void (*wm_output_fn)(void *context, const char *bytes, size_t length);

/* Bytes of a child's output a wm_output_t keeps, NUL included: enough for the one-line
 * reports of the demos' child modes and for bench --quick --json (about 15 KB). */
#define WM_OUTPUT_MAX 32768

/* A child's standard output, kept for parsing. Zero it before a run; wm_output_collect fills
 * it. Output past WM_OUTPUT_MAX - 1 bytes is dropped; text is always NUL-terminated. */
typedef struct wm_output_s
{
    char text[WM_OUTPUT_MAX]; /* what the child printed, as bytes */
    size_t length;            /* bytes in text, NUL excluded */
} wm_output_t;

/* A wm_output_fn whose context is a wm_output_t: appends what fits. */
void wm_output_collect(void *context, const char *bytes, size_t length);

/*
 * Writes the full path of this program's .exe into path (capacity characters, NUL
 * included). ERROR_INSUFFICIENT_BUFFER if it does not fit.
 */
DWORD wm_process_self_path(wchar_t *path, DWORD capacity);

/*
 * Writes the path of another program in this program's folder into path: the folder of
 * wm_process_self_path, then file_name (for example L"virtual-memory.exe").
 */
DWORD wm_process_sibling_path(const wchar_t *file_name, wchar_t *path, DWORD capacity);

/*
 * Runs this program's own .exe again with arguments (see wm_process_run): the demos run a
 * copy of themselves in a hidden child mode for anything that could crash.
 */
DWORD wm_process_run_self(const wchar_t *arguments, wm_output_fn on_output, void *context,
                          DWORD *exit_code);

/* How long wm_process_run lets a child run: past it the child is ended and the run fails
 * with ERROR_TIMEOUT. Under ctest's 60-second limit, so a lesson reports the hang itself. */
#define WM_CHILD_TIME_LIMIT_MS 50000u

/*
 * Runs program (a full path) with arguments (may be NULL or empty; passed as written,
 * so quote them as CommandLineToArgvW expects) and waits for it to end.
 * If on_output is NULL the child writes to this process's standard output; otherwise its
 * standard output goes through a pipe and each chunk read is passed to on_output. The
 * child's standard error is this process's standard error. The child's exit code goes to
 * *exit_code (a crash shows as its exception code, such as 0xC0000005).
 * The child inherits an error mode without crash dialogs (SEM_NOGPFAULTERRORBOX), and no
 * wait is unbounded: a child still running after WM_CHILD_TIME_LIMIT_MS is ended
 * (TerminateProcess) and the answer is ERROR_TIMEOUT.
 * On failure nothing is left open, and the error is that of the first failing call.
 */
DWORD wm_process_run(const wchar_t *program, const wchar_t *arguments, wm_output_fn on_output,
                     void *context, DWORD *exit_code);

/* wm_process_run with a time limit of limit_ms milliseconds instead of the default. */
DWORD wm_process_run_within(const wchar_t *program, const wchar_t *arguments,
                            wm_output_fn on_output, void *context, DWORD limit_ms,
                            DWORD *exit_code);

#endif /* WM_PROCESS_H */
