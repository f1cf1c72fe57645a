/*
 * wm_error.h - Win32 error codes as text, and UTF-16/UTF-8 conversion.
 *
 * The library's error model, which every module follows:
 *  - A function returns a DWORD: ERROR_SUCCESS (0) or the Win32 error code that explains
 *    the failure, read with GetLastError() on the line right after the failing call.
 *  - Results travel through out-parameters, which are left untouched (or zeroed, where a
 *    function says so) on failure.
 *  - A NULL out-parameter, a zero size where one is needed, or an unknown flag gives
 *    ERROR_INVALID_PARAMETER; size arithmetic that would overflow gives
 *    ERROR_ARITHMETIC_OVERFLOW.
 *  - The library never prints and never exits: that is the caller's business.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_ERROR_H
#define WM_ERROR_H

#include <stddef.h>
#include <windows.h>

/*
 * Writes "CODE MESSAGE" for a Win32 error code into text as UTF-8, for example
 * "487 Attempt to access invalid address.", without the trailing CR/LF that
 * FormatMessageW appends. If the system has no message for the code, writes the number
 * alone. The message wording differs between Windows and Wine, so tests compare codes,
 * never text. text is always NUL-terminated when capacity > 0; a message that does not
 * fit is cut and ERROR_INSUFFICIENT_BUFFER returned.
 */
DWORD wm_error_text(DWORD code, char *text, size_t capacity);

/*
 * Converts a NUL-terminated UTF-16 string to UTF-8 in utf8 (capacity bytes, NUL included).
 * Fails with ERROR_INSUFFICIENT_BUFFER if it does not fit, leaving utf8 an empty string.
 */
DWORD wm_utf8_from_wide(const wchar_t *wide, char *utf8, size_t capacity);

/*
 * Converts a NUL-terminated UTF-8 string to UTF-16 in wide (capacity characters, NUL
 * included). Invalid UTF-8 gives ERROR_NO_UNICODE_TRANSLATION.
 */
DWORD wm_wide_from_utf8(const char *utf8, wchar_t *wide, size_t capacity);

#endif /* WM_ERROR_H */
