/*
 * args.c - the command line every demo shares, and sizes written with K/M/G/T.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_args.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "wm_error.h"

/* Longest option name or value quoted back in an error message, in UTF-8 bytes. */
#define WM_QUOTE_MAX 64

/* Parses digits at text into *value; *end gets the first non-digit. */
static DWORD parse_digits(const wchar_t *text, uint64_t *value, const wchar_t **end)
{
    uint64_t result = 0;
    const wchar_t *at = text;
    unsigned digit = 0;

    if (*at < L'0' || *at > L'9') {
        return ERROR_INVALID_PARAMETER; /* empty, a sign, a space, a letter */
    }
    while (*at >= L'0' && *at <= L'9') {
        digit = (unsigned)(*at - L'0');
        if (result > (UINT64_MAX - digit) / 10) {
            return ERROR_ARITHMETIC_OVERFLOW;
        }
        result = result * 10 + digit;
        at++;
    }
    *value = result;
    *end = at;
    return ERROR_SUCCESS;
}

DWORD wm_parse_unsigned(const wchar_t *text, uint64_t *value)
{
    uint64_t result = 0;
    const wchar_t *end = NULL;
    DWORD error = ERROR_SUCCESS;

    if (text == NULL || value == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = parse_digits(text, &result, &end);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if (*end != L'\0') {
        return ERROR_INVALID_PARAMETER;
    }
    *value = result;
    return ERROR_SUCCESS;
}

/* Number of bits a suffix letter shifts by (K=10, M=20, G=30, T=40), or -1. */
static int suffix_shift(wchar_t letter)
{
    switch (letter) {
    case L'k':
    case L'K':
        return 10;
    case L'm':
    case L'M':
        return 20;
    case L'g':
    case L'G':
        return 30;
    case L't':
    case L'T':
        return 40;
    default:
        return -1;
    }
}

DWORD wm_parse_size(const wchar_t *text, uint64_t *bytes)
{
    uint64_t number = 0;
    const wchar_t *end = NULL;
    DWORD error = ERROR_SUCCESS;
    int shift = 0;

    if (text == NULL || bytes == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = parse_digits(text, &number, &end);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if (*end != L'\0') {
        shift = suffix_shift(*end);
        if (shift < 0) {
            return ERROR_INVALID_PARAMETER;
        }
        end++;
        /* Accept K, KB, KiB (any case): all mean 1024 here, as Windows' own tools do. */
        if (*end == L'i' || *end == L'I') {
            end++;
        }
        if (*end == L'b' || *end == L'B') {
            end++;
        }
        if (*end != L'\0') {
            return ERROR_INVALID_PARAMETER;
        }
        if (number > (UINT64_MAX >> shift)) {
            return ERROR_ARITHMETIC_OVERFLOW;
        }
        number <<= shift;
    }
    *bytes = number;
    return ERROR_SUCCESS;
}

/* Copies text into a short UTF-8 quote for error messages, cut with "..." if long. */
static void quote(const wchar_t *text, char *out, size_t capacity)
{
    wchar_t shortened[WM_QUOTE_MAX];
    size_t length = wcslen(text);
    DWORD error = ERROR_SUCCESS;

    if (length >= WM_QUOTE_MAX) {
        memcpy(shortened, text, (WM_QUOTE_MAX - 4) * sizeof(wchar_t));
        wcscpy(shortened + WM_QUOTE_MAX - 4, L"...");
        text = shortened;
    }
    error = wm_utf8_from_wide(text, out, capacity);
    if (error != ERROR_SUCCESS) {
        snprintf(out, capacity, "?");
    }
}

static int is_help(const wchar_t *argument)
{
    return wcscmp(argument, L"/?") == 0 || wcscmp(argument, L"-?") == 0 ||
           wcscmp(argument, L"-h") == 0 || wcscmp(argument, L"--help") == 0;
}

/* If argument is name or name=value, returns 1 and points *value at the value (or NULL). */
static int matches(const wchar_t *argument, const wchar_t *name, const wchar_t **value)
{
    size_t name_length = wcslen(name);

    if (wcsncmp(argument, name, name_length) != 0) {
        return 0;
    }
    if (argument[name_length] == L'\0') {
        *value = NULL;
        return 1;
    }
    if (argument[name_length] == L'=') {
        *value = argument + name_length + 1;
        return 1;
    }
    return 0;
}

/* Stores one extra option's value. Returns 0, or -1 with error filled in. */
static int store_extra(const wm_option_spec_t *spec, const wchar_t *value, char *error,
                       size_t error_capacity)
{
    char name[WM_QUOTE_MAX * 3];
    char shown[WM_QUOTE_MAX * 3];
    DWORD status = ERROR_SUCCESS;

    quote(spec->name, name, sizeof name);
    if (spec->kind == WM_OPTION_FLAG) {
        if (value != NULL) {
            snprintf(error, error_capacity, "%s takes no value", name);
            return -1;
        }
        *(int *)spec->target = 1;
        return 0;
    }
    if (value == NULL) {
        snprintf(error, error_capacity, "%s needs a value (%s)", name, spec->value_name);
        return -1;
    }
    if (spec->kind == WM_OPTION_TEXT) {
        if (value[0] == L'\0') {
            snprintf(error, error_capacity, "%s needs a value (%s)", name, spec->value_name);
            return -1;
        }
        *(const wchar_t **)spec->target = value;
        return 0;
    }
    if (spec->kind == WM_OPTION_SIZE) {
        status = wm_parse_size(value, (uint64_t *)spec->target);
    } else {
        status = wm_parse_unsigned(value, (uint64_t *)spec->target);
    }
    if (status == ERROR_SUCCESS) {
        return 0;
    }
    quote(value, shown, sizeof shown);
    if (status == ERROR_ARITHMETIC_OVERFLOW) {
        snprintf(error, error_capacity, "%s: '%s' is too large", name, shown);
    } else if (spec->kind == WM_OPTION_SIZE) {
        snprintf(error, error_capacity, "%s: '%s' is not a size (examples: 4096, 64K, 16M, 1G)",
                 name, shown);
    } else {
        snprintf(error, error_capacity, "%s: '%s' is not a whole number", name, shown);
    }
    return -1;
}

wm_args_result_t wm_args_parse(int argc, wchar_t **argv, const wm_option_spec_t *extra,
                               size_t extra_count, wm_options_t *options, char *error,
                               size_t error_capacity)
{
    int i = 0;
    size_t k = 0;
    const wchar_t *argument = NULL;
    const wchar_t *value = NULL;
    char shown[WM_QUOTE_MAX * 3];
    int known = 0;

    memset(options, 0, sizeof *options);
    options->color = WM_COLOR_AUTO;
    error[0] = '\0';
    for (i = 1; i < argc; i++) {
        argument = argv[i];
        if (is_help(argument)) {
            return WM_ARGS_HELP;
        }
        if (wcscmp(argument, L"--json") == 0) {
            options->json = 1;
            continue;
        }
        if (wcscmp(argument, L"--pause") == 0) {
            options->pause = 1;
            continue;
        }
        if (matches(argument, L"--color", &value)) {
            if (value == NULL && i + 1 < argc) {
                value = argv[++i];
            }
            if (value != NULL && wcscmp(value, L"auto") == 0) {
                options->color = WM_COLOR_AUTO;
            } else if (value != NULL && wcscmp(value, L"always") == 0) {
                options->color = WM_COLOR_ALWAYS;
            } else if (value != NULL && wcscmp(value, L"never") == 0) {
                options->color = WM_COLOR_NEVER;
            } else {
                quote(value == NULL ? L"" : value, shown, sizeof shown);
                snprintf(error, error_capacity, "--color: '%s' is not one of auto, always, never",
                         shown);
                return WM_ARGS_ERROR;
            }
            continue;
        }
        known = 0;
        for (k = 0; k < extra_count; k++) {
            if (!matches(argument, extra[k].name, &value)) {
                continue;
            }
            known = 1;
            if (value == NULL && extra[k].kind != WM_OPTION_FLAG && i + 1 < argc) {
                value = argv[++i];
            }
            if (store_extra(&extra[k], value, error, error_capacity) != 0) {
                return WM_ARGS_ERROR;
            }
            break;
        }
        if (!known) {
            quote(argument, shown, sizeof shown);
            snprintf(error, error_capacity, "unknown option '%s' (try --help)", shown);
            return WM_ARGS_ERROR;
        }
    }
    return WM_ARGS_RUN;
}

void wm_args_usage(const char *program, const char *purpose, const wm_option_spec_t *extra,
                   size_t extra_count)
{
    size_t k = 0;
    char name[WM_QUOTE_MAX * 3];
    char with_value[WM_QUOTE_MAX * 4];

    printf("%s: %s\n\n", program, purpose);
    printf("usage: %s [options]\n\n", program);
    printf("  %-26s %s\n", "-h, --help, /?", "show this help and exit");
    printf("  %-26s %s\n", "--json", "print one JSON object instead of text");
    printf("  %-26s %s\n", "--color=auto|always|never",
           "colour the verdicts (auto: on a console, unless NO_COLOR is set)");
    printf("  %-26s %s\n", "--pause",
           "stop before each step and print the PID (for VMMap, WinDbg)");
    for (k = 0; k < extra_count; k++) {
        if (extra[k].help == NULL) {
            continue; /* internal option, used between a demo and its own child */
        }
        quote(extra[k].name, name, sizeof name);
        if (extra[k].kind == WM_OPTION_FLAG) {
            snprintf(with_value, sizeof with_value, "%s", name);
        } else {
            snprintf(with_value, sizeof with_value, "%s=%s", name, extra[k].value_name);
        }
        printf("  %-26s %s\n", with_value, extra[k].help);
    }
    printf("\nexit codes: 0 every claim passed (or differs, with the reason), 1 a claim failed,\n"
           "            2 bad command line, 77 the feature is not available here\n");
}

int wm_args_handle(int argc, wchar_t **argv, const char *program, const char *purpose,
                   const wm_option_spec_t *extra, size_t extra_count, wm_options_t *options)
{
    char error[256];
    wm_args_result_t parsed = WM_ARGS_RUN;

    parsed = wm_args_parse(argc, argv, extra, extra_count, options, error, sizeof error);
    if (parsed == WM_ARGS_HELP) {
        wm_args_usage(program, purpose, extra, extra_count);
        return WM_EXIT_OK;
    }
    if (parsed == WM_ARGS_ERROR) {
        fprintf(stderr, "%s: %s\n", program, error);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
}
