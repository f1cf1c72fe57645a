/*
 * wm_args.h - the command line every demo shares, and sizes written with K/M/G/T.
 *
 * Shared options:
 *   /?  -?  -h  --help        usage on stdout, exit 0
 *   --json                    one JSON object on stdout instead of text
 *   --color=auto|always|never colour on a console (auto honours NO_COLOR)
 *   --pause                   stop before each step and print the PID, so a debugger or
 *                             VMMap can attach; ignored when stdin is not a console
 * A demo adds its own options with a table of wm_option_spec_t.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_ARGS_H
#define WM_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* Exit codes every demo uses. */
#define WM_EXIT_OK 0           /* every claim passed or differs for a stated reason */
#define WM_EXIT_FAILED 1       /* a claim failed */
#define WM_EXIT_USAGE 2        /* bad command line: one line on stderr names the problem */
#define WM_EXIT_UNAVAILABLE 77 /* this OS does not offer the feature here (ctest: skipped) */

typedef enum wm_color_mode_e
{
    WM_COLOR_AUTO,   /* colour when stdout is a console and NO_COLOR is not set */
    WM_COLOR_ALWAYS, /* colour even into a pipe (the tour uses it for its children) */
    WM_COLOR_NEVER
} wm_color_mode_t;

/* The shared options, as parsed. */
typedef struct wm_options_s
{
    int json;              /* --json */
    wm_color_mode_t color; /* --color=... */
    int pause;             /* --pause */
} wm_options_t;

typedef enum wm_option_kind_e
{
    WM_OPTION_FLAG,     /* --name; target is an int set to 1 */
    WM_OPTION_SIZE,     /* --name=SIZE with K/M/G/T; target is a uint64_t */
    WM_OPTION_UNSIGNED, /* --name=N; target is a uint64_t */
    WM_OPTION_TEXT      /* --name=TEXT; target is a const wchar_t * into argv */
} wm_option_kind_t;

/* One option a demo adds. An option with help == NULL is internal and not listed. */
typedef struct wm_option_spec_s
{
    const wchar_t *name; /* with the dashes: L"--reserve" */
    wm_option_kind_t kind;
    void *target;           /* where the value goes (see wm_option_kind_t) */
    const char *value_name; /* shown in usage: "SIZE" */
    const char *help;       /* one line for the usage text, or NULL */
} wm_option_spec_t;

/* What wm_args_parse decided. */
typedef enum wm_args_result_e
{
    WM_ARGS_RUN,  /* options parsed: run the demo */
    WM_ARGS_HELP, /* a help option: print usage, exit 0 */
    WM_ARGS_ERROR /* bad command line: print error, exit 2 */
} wm_args_result_t;

/*
 * Parses argv[1..argc-1] into options and the demo's extra options. Values may follow as
 * "--name=value" or as the next argument. On WM_ARGS_ERROR, error holds one line (UTF-8,
 * no newline) naming the problem, such as "--reserve: '12Q' is not a size".
 */
wm_args_result_t wm_args_parse(int argc, wchar_t **argv, const wm_option_spec_t *extra,
                               size_t extra_count, wm_options_t *options, char *error,
                               size_t error_capacity);

/* wm_args_handle's answer when the demo should go on and run. */
#define WM_ARGS_CONTINUE (-1)

/*
 * What every demo's main does first: parses the command line (wm_args_parse); on a help
 * option prints usage and returns WM_EXIT_OK; on a bad command line prints one line on
 * stderr ("PROGRAM: PROBLEM") and returns WM_EXIT_USAGE; otherwise returns
 * WM_ARGS_CONTINUE with options and the extra options' targets filled in.
 */
int wm_args_handle(int argc, wchar_t **argv, const char *program, const char *purpose,
                   const wm_option_spec_t *extra, size_t extra_count, wm_options_t *options);

/* Prints usage to stdout: the program name, its one-line purpose, and every option. */
void wm_args_usage(const char *program, const char *purpose, const wm_option_spec_t *extra,
                   size_t extra_count);

/*
 * Parses a size: decimal digits, then an optional binary suffix K, M, G or T (any case,
 * an optional trailing B or iB: 4K, 16MiB, 1gb). "0" is valid. Empty text, a sign, spaces,
 * an unknown suffix or other characters give ERROR_INVALID_PARAMETER; a value past
 * 2^64 - 1 gives ERROR_ARITHMETIC_OVERFLOW. *bytes is written only on success.
 */
DWORD wm_parse_size(const wchar_t *text, uint64_t *bytes);

/* Parses decimal digits only into *value, with the same errors as wm_parse_size. */
DWORD wm_parse_unsigned(const wchar_t *text, uint64_t *value);

#endif /* WM_ARGS_H */
