/*
 * expect_exit.c - runs a program and passes only if it exits with the expected code.
 *
 *   expect_exit CODE PROGRAM [ARGS...]
 *
 * ctest can check "exit code 0" or "not 0", but a usage error must be exactly 2. This
 * helper runs as a Windows program itself, so under Wine it sees the child's full 32-bit
 * exit code (a POSIX shell would see only the low 8 bits). It also checks that a failing
 * program printed nothing on stdout, since usage errors belong on stderr.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winmem.h"
#include "wm_args.h"

/* Counts the bytes the program wrote to stdout. */
static void count_output(void *context, const char *bytes, size_t length)
{
    size_t *total = (size_t *)context;

    (void)bytes;
    *total += length;
}

int wmain(int argc, wchar_t **argv)
{
    wchar_t arguments[WM_COMMAND_LINE_MAX];
    uint64_t expected = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    size_t stdout_bytes = 0;
    size_t used = 0;
    int i = 0;
    int written = 0;

    if (argc < 3 || wm_parse_unsigned(argv[1], &expected) != ERROR_SUCCESS) {
        fprintf(stderr, "usage: expect_exit CODE PROGRAM [ARGS...]\n");
        return 2;
    }
    arguments[0] = L'\0';
    for (i = 3; i < argc; i++) {
        /* Quote each argument; none of ours contains a quote or a trailing backslash. */
        written = swprintf(arguments + used, WM_COMMAND_LINE_MAX - used, L"%ls\"%ls\"",
                           used == 0 ? L"" : L" ", argv[i]);
        if (written < 0) {
            fprintf(stderr, "expect_exit: command line too long\n");
            return 2;
        }
        used += (size_t)written;
    }
    error = wm_process_run(argv[2], arguments, count_output, &stdout_bytes, &exit_code);
    if (error != ERROR_SUCCESS) {
        fprintf(stderr, "expect_exit: could not run %ls: error %lu\n", argv[2],
                (unsigned long)error);
        return 1;
    }
    if (exit_code != (DWORD)expected) {
        fprintf(stderr, "expect_exit: %ls exited with %lu, expected %lu\n", argv[2],
                (unsigned long)exit_code, (unsigned long)expected);
        return 1;
    }
    if (expected != 0 && stdout_bytes != 0) {
        fprintf(stderr, "expect_exit: %ls printed %zu bytes on stdout; errors go to stderr\n",
                argv[2], stdout_bytes);
        return 1;
    }
    printf("expect_exit: %ls exited with %lu as expected\n", argv[2], (unsigned long)exit_code);
    return 0;
}
