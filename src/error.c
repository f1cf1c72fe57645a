/*
 * error.c - Win32 error codes as text, and UTF-16/UTF-8 conversion.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_error.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "wm_os.h"

/* FormatMessageW's documented maximum is 64 KiB, but system messages are short. */
#define WM_MESSAGE_MAX_CHARS 512

DWORD wm_utf8_from_wide(const wchar_t *wide, char *utf8, size_t capacity)
{
    int written = 0;

    if (wide == NULL || utf8 == NULL || capacity == 0 || capacity > INT_MAX) {
        return ERROR_INVALID_PARAMETER;
    }
    utf8[0] = '\0';
    written = wm__os.WideCharToMultiByte(CP_UTF8, 0, /* flags: none are allowed with UTF-8 */
                                         wide, -1,   /* -1: NUL-terminated, NUL included */
                                         utf8, (int)capacity, NULL,
                                         NULL); /* default char: must be NULL for UTF-8 */
    if (written == 0) {
        DWORD error = GetLastError();
        utf8[0] = '\0';
        return error;
    }
    return ERROR_SUCCESS;
}

DWORD wm_wide_from_utf8(const char *utf8, wchar_t *wide, size_t capacity)
{
    int written = 0;

    if (utf8 == NULL || wide == NULL || capacity == 0 || capacity > INT_MAX) {
        return ERROR_INVALID_PARAMETER;
    }
    wide[0] = L'\0';
    written =
        wm__os.MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, /* reject bad bytes, no '?' */
                                   utf8, -1, wide, (int)capacity);
    if (written == 0) {
        DWORD error = GetLastError();
        wide[0] = L'\0';
        return error;
    }
    return ERROR_SUCCESS;
}

/* Removes trailing CR, LF and spaces: FormatMessageW ends system messages with CRLF. */
static void strip_trailing_space(wchar_t *text)
{
    size_t length = wcslen(text);
    while (length > 0 &&
           (text[length - 1] == L'\r' || text[length - 1] == L'\n' || text[length - 1] == L' ')) {
        length--;
        text[length] = L'\0';
    }
}

DWORD wm_error_text(DWORD code, char *text, size_t capacity)
{
    wchar_t message[WM_MESSAGE_MAX_CHARS];
    char message_utf8[WM_MESSAGE_MAX_CHARS * 3];
    DWORD length = 0;
    DWORD error = ERROR_SUCCESS;
    int printed = 0;

    if (text == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    message_utf8[0] = '\0';
    length = wm__os.FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |       /* the system's table */
                                       FORMAT_MESSAGE_IGNORE_INSERTS, /* %1 stays literal */
                                   NULL, code, 0, /* language: the user's default */
                                   message, WM_MESSAGE_MAX_CHARS, NULL);
    if (length > 0) {
        strip_trailing_space(message);
        error = wm_utf8_from_wide(message, message_utf8, sizeof message_utf8);
        if (error != ERROR_SUCCESS) {
            message_utf8[0] = '\0';
        }
    }
    if (message_utf8[0] != '\0') {
        printed = snprintf(text, capacity, "%lu %s", (unsigned long)code, message_utf8);
    } else {
        printed = snprintf(text, capacity, "%lu", (unsigned long)code);
    }
    if (printed < 0 || (size_t)printed >= capacity) {
        return ERROR_INSUFFICIENT_BUFFER;
    }
    return ERROR_SUCCESS;
}
