/*
 * helper_child.c - a child process for test_process: prints "args:" and its arguments on
 * stdout, one line, then exits with the number given as its first argument (0 if none).
 * With "--big N" it prints N bytes of 'x' first, to test output larger than one pipe read.
 * With "--hang" it prints one line and then sleeps for ever (a child that must be ended);
 * with "--crash" it reads address 0 (a child that must not open a crash dialog).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <windows.h>

int wmain(int argc, wchar_t **argv)
{
    int i = 0;
    long big = 0;
    long k = 0;
    int exit_code = 0;

    if (argc >= 3 && wcscmp(argv[1], L"--big") == 0) {
        big = wcstol(argv[2], NULL, 10);
        for (k = 0; k < big; k++) {
            putchar('x');
        }
        return 0;
    }
    if (argc >= 2 && wcscmp(argv[1], L"--hang") == 0) {
        printf("hanging\n");
        fflush(stdout);
        for (;;) {
            Sleep(INFINITE);
        }
    }
    if (argc >= 2 && wcscmp(argv[1], L"--crash") == 0) {
        volatile int *nowhere = NULL;
        exit_code = *nowhere; /* an access violation, on purpose */
        return exit_code;
    }
    if (argc >= 2) {
        exit_code = (int)wcstol(argv[1], NULL, 10);
    }
    printf("args:");
    for (i = 1; i < argc; i++) {
        printf(" [%ls]", argv[i]);
    }
    printf("\n");
    return exit_code;
}
