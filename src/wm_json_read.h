/*
 * wm_json_read.h - a small pull-style JSON reader over a buffer in memory.
 *
 * The caller asks for what it expects next ("an object opens", "a string", "an unsigned
 * number", "skip whatever value comes") and the reader checks the text (RFC 8259) as it
 * goes: no document tree is built and nothing is allocated. Every call skips the white
 * space before its token, reads no byte past the buffer's length, and returns a Win32 error
 * code; on failure the reader's position is the byte offset where the problem was found.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_JSON_READ_H
#define WM_JSON_READ_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

#include "wm_json.h" /* WM_JSON_MAX_DEPTH: the reader nests no deeper than the writer */

/* A cursor over JSON text the caller owns and keeps alive while reading. */
typedef struct wm_json_reader_s
{
    const char *text; /* the input: UTF-8, need not be NUL-terminated */
    size_t length;    /* bytes of input */
    size_t position;  /* offset of the next byte to read; after a failure, of the bad byte */
} wm_json_reader_t;

/* Starts reading length bytes at text, after a UTF-8 byte order mark if there is one.
 * The reader keeps the pointer, not a copy. */
void wm_json_reader_init(wm_json_reader_t *reader, const char *text, size_t length);

/* Skips white space and returns the next byte without consuming it, or '\0' at the end of
 * the input. Used to choose between the shapes a value may have (peek for '}' or '"'). */
char wm_json_reader_peek(wm_json_reader_t *reader);

/* Skips white space and consumes token, one of { } [ ] , : . Returns ERROR_SUCCESS,
 * ERROR_HANDLE_EOF if the input ended first, or ERROR_INVALID_DATA if another byte is
 * there (the position stays on it). Any other token is ERROR_INVALID_PARAMETER. */
DWORD wm_json_read_token(wm_json_reader_t *reader, char token);

/* After an item of an object or array: consumes ',' and sets *more to 1, or consumes the
 * closing close ('}' or ']') and sets *more to 0. Errors as wm_json_read_token; *more is 0
 * on failure. */
DWORD wm_json_read_more(wm_json_reader_t *reader, char close, int *more);

/* Reads a string into text (capacity bytes, NUL included) with its escapes decoded:
 * \" \\ \/ \b \f \n \r \t and \uXXXX (a surrogate pair becomes one code point; a lone
 * surrogate becomes U+FFFD, as the writer does) written as UTF-8. Other bytes are copied
 * as they are. Returns ERROR_SUCCESS; ERROR_HANDLE_EOF if the input ends inside it;
 * ERROR_INVALID_DATA for a value that is not a string, an unknown escape, a bad \u digit
 * or a raw control character (the position is on the bad byte); ERROR_INSUFFICIENT_BUFFER
 * if it does not fit (the position stays on its opening quote); ERROR_INVALID_PARAMETER
 * for a NULL text or a capacity of 0. On failure text holds "" (if capacity > 0). */
DWORD wm_json_read_string(wm_json_reader_t *reader, char *text, size_t capacity);

/* Reads an unsigned integer (digits only: no sign, fraction or exponent; no leading zero)
 * into *value. Returns ERROR_SUCCESS; ERROR_HANDLE_EOF at the end of the input;
 * ERROR_INVALID_DATA for anything else there, including a number with a sign, fraction or
 * exponent; ERROR_ARITHMETIC_OVERFLOW if it exceeds UINT64_MAX (the position is on its
 * first digit). *value is 0 on failure. */
DWORD wm_json_read_unsigned(wm_json_reader_t *reader, uint64_t *value);

/* Skips one value of any kind (object, array, string, number, true, false, null), checking
 * it is well-formed, nested at most WM_JSON_MAX_DEPTH deep. Returns ERROR_SUCCESS,
 * ERROR_HANDLE_EOF if the input ends inside it, or ERROR_INVALID_DATA (malformed, or
 * nested too deep) with the position on the bad byte. */
DWORD wm_json_skip_value(wm_json_reader_t *reader);

/* Checks that nothing but white space is left. Returns ERROR_SUCCESS or
 * ERROR_INVALID_DATA with the position on the first other byte. */
DWORD wm_json_read_end(wm_json_reader_t *reader);

#endif /* WM_JSON_READ_H */
