/*
 * json_read.c - a small pull-style JSON reader over a buffer in memory (RFC 8259).
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_json_read.h"

#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER, written for a lone UTF-16 surrogate in a \u escape. */
#define REPLACEMENT_CHARACTER 0xFFFDu

void wm_json_reader_init(wm_json_reader_t *reader, const char *text, size_t length)
{
    reader->text = text;
    reader->length = text == NULL ? 0 : length;
    reader->position = 0;
    /* A UTF-8 byte order mark, which RFC 8259 (section 8.1) lets a reader ignore: Windows
     * PowerShell 5.1's Out-File -Encoding utf8 writes one. */
    if (reader->length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        reader->position = 3;
    }
}

static int at_end(const wm_json_reader_t *reader)
{
    return reader->position >= reader->length;
}

static char current(const wm_json_reader_t *reader)
{
    if (at_end(reader)) {
        return '\0';
    }
    return reader->text[reader->position];
}

static void skip_space(wm_json_reader_t *reader)
{
    char c = '\0';

    while (!at_end(reader)) {
        c = reader->text[reader->position];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            return;
        }
        reader->position++;
    }
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

char wm_json_reader_peek(wm_json_reader_t *reader)
{
    skip_space(reader);
    return current(reader);
}

DWORD wm_json_read_token(wm_json_reader_t *reader, char token)
{
    if (token == '\0' || strchr("{}[],:", token) == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    skip_space(reader);
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    if (reader->text[reader->position] != token) {
        return ERROR_INVALID_DATA;
    }
    reader->position++;
    return ERROR_SUCCESS;
}

DWORD wm_json_read_more(wm_json_reader_t *reader, char close, int *more)
{
    char next = '\0';

    *more = 0;
    if (close != '}' && close != ']') {
        return ERROR_INVALID_PARAMETER;
    }
    next = wm_json_reader_peek(reader);
    if (next == ',') {
        reader->position++;
        *more = 1;
        return ERROR_SUCCESS;
    }
    return wm_json_read_token(reader, close);
}

/* The value of one hexadecimal digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Reads the four hex digits of a \u escape at the position (just after the 'u'). */
static DWORD read_hex4(wm_json_reader_t *reader, unsigned *value)
{
    int digit = 0;
    int i = 0;

    *value = 0;
    for (i = 0; i < 4; i++) {
        if (at_end(reader)) {
            return ERROR_HANDLE_EOF;
        }
        digit = hex_value(reader->text[reader->position]);
        if (digit < 0) {
            return ERROR_INVALID_DATA;
        }
        *value = (*value << 4) | (unsigned)digit;
        reader->position++;
    }
    return ERROR_SUCCESS;
}

/* Encodes a code point (at most U+10FFFF) as UTF-8 into bytes; returns the length (1-4). */
static size_t utf8_encode(uint32_t code_point, char bytes[4])
{
    if (code_point < 0x80) {
        bytes[0] = (char)code_point;
        return 1;
    }
    if (code_point < 0x800) {
        bytes[0] = (char)(0xC0 | (code_point >> 6));
        bytes[1] = (char)(0x80 | (code_point & 0x3F));
        return 2;
    }
    if (code_point < 0x10000) {
        bytes[0] = (char)(0xE0 | (code_point >> 12));
        bytes[1] = (char)(0x80 | ((code_point >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (code_point & 0x3F));
        return 3;
    }
    bytes[0] = (char)(0xF0 | (code_point >> 18));
    bytes[1] = (char)(0x80 | ((code_point >> 12) & 0x3F));
    bytes[2] = (char)(0x80 | ((code_point >> 6) & 0x3F));
    bytes[3] = (char)(0x80 | (code_point & 0x3F));
    return 4;
}

/* Decodes the escape after a backslash (the position is on the byte after it) into
 * bytes; *count is its length in UTF-8. */
static DWORD read_escape(wm_json_reader_t *reader, char bytes[4], size_t *count)
{
    static const char short_escapes[] = "\"\\/bfnrt";
    static const char short_values[] = "\"\\/\b\f\n\r\t";
    const char *found = NULL;
    unsigned high = 0;
    unsigned low = 0;
    uint32_t code_point = 0;
    size_t second = 0;
    DWORD error = ERROR_SUCCESS;

    *count = 0;
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    found = strchr(short_escapes, reader->text[reader->position]);
    if (found != NULL && *found != '\0') {
        bytes[0] = short_values[found - short_escapes];
        *count = 1;
        reader->position++;
        return ERROR_SUCCESS;
    }
    if (reader->text[reader->position] != 'u') {
        return ERROR_INVALID_DATA;
    }
    reader->position++;
    error = read_hex4(reader, &high);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    code_point = high;
    if (high >= 0xD800 && high <= 0xDBFF) {
        /* A high surrogate: a low one must follow as \uDC00-\uDFFF to make a pair. */
        second = reader->position;
        if (reader->length - second >= 6 && reader->text[second] == '\\' &&
            reader->text[second + 1] == 'u') {
            reader->position = second + 2;
            error = read_hex4(reader, &low);
            if (error != ERROR_SUCCESS) {
                return error;
            }
            if (low >= 0xDC00 && low <= 0xDFFF) {
                code_point = 0x10000 + (((uint32_t)high - 0xD800) << 10) + (low - 0xDC00);
            } else {
                reader->position = second; /* not a pair: the next escape stands alone */
                code_point = REPLACEMENT_CHARACTER;
            }
        } else {
            code_point = REPLACEMENT_CHARACTER;
        }
    } else if (high >= 0xDC00 && high <= 0xDFFF) {
        code_point = REPLACEMENT_CHARACTER;
    }
    *count = utf8_encode(code_point, bytes);
    return ERROR_SUCCESS;
}

/* Reads a string at the position (white space skipped), storing at most capacity - 1
 * bytes in text (which may be NULL to only check it). *needed is its decoded length. */
static DWORD scan_string(wm_json_reader_t *reader, char *text, size_t capacity, size_t *needed)
{
    char bytes[4];
    size_t count = 0;
    size_t length = 0;
    unsigned char c = 0;
    DWORD error = ERROR_SUCCESS;

    *needed = 0;
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    if (reader->text[reader->position] != '"') {
        return ERROR_INVALID_DATA;
    }
    reader->position++;
    for (;;) {
        if (at_end(reader)) {
            return ERROR_HANDLE_EOF;
        }
        c = (unsigned char)reader->text[reader->position];
        if (c == '"') {
            reader->position++;
            break;
        }
        if (c < 0x20) {
            return ERROR_INVALID_DATA; /* control characters must be escaped (RFC 8259 7) */
        }
        if (c == '\\') {
            reader->position++;
            error = read_escape(reader, bytes, &count);
            if (error != ERROR_SUCCESS) {
                return error;
            }
        } else {
            bytes[0] = (char)c;
            count = 1;
            reader->position++;
        }
        if (text != NULL && length + count < capacity) {
            memcpy(text + length, bytes, count);
        }
        length += count;
    }
    *needed = length;
    return ERROR_SUCCESS;
}

DWORD wm_json_read_string(wm_json_reader_t *reader, char *text, size_t capacity)
{
    size_t start = 0;
    size_t needed = 0;
    DWORD error = ERROR_SUCCESS;

    if (text == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    text[0] = '\0';
    skip_space(reader);
    start = reader->position;
    error = scan_string(reader, text, capacity, &needed);
    if (error == ERROR_SUCCESS && needed >= capacity) {
        reader->position = start;
        error = ERROR_INSUFFICIENT_BUFFER;
    }
    if (error != ERROR_SUCCESS) {
        text[0] = '\0';
        return error;
    }
    text[needed] = '\0';
    return ERROR_SUCCESS;
}

DWORD wm_json_read_unsigned(wm_json_reader_t *reader, uint64_t *value)
{
    uint64_t number = 0;
    uint64_t digit = 0;
    size_t start = 0;
    char next = '\0';

    *value = 0;
    skip_space(reader);
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    start = reader->position;
    if (!is_digit(current(reader))) {
        return ERROR_INVALID_DATA;
    }
    if (current(reader) == '0' && reader->position + 1 < reader->length &&
        is_digit(reader->text[reader->position + 1])) {
        reader->position++; /* RFC 8259 6: no leading zeros */
        return ERROR_INVALID_DATA;
    }
    while (!at_end(reader) && is_digit(current(reader))) {
        digit = (uint64_t)(current(reader) - '0');
        if (number > (UINT64_MAX - digit) / 10) {
            reader->position = start;
            return ERROR_ARITHMETIC_OVERFLOW;
        }
        number = number * 10 + digit;
        reader->position++;
    }
    next = current(reader);
    if (!at_end(reader) && (next == '.' || next == 'e' || next == 'E')) {
        return ERROR_INVALID_DATA; /* a fraction or an exponent: not an unsigned integer */
    }
    *value = number;
    return ERROR_SUCCESS;
}

/* Consumes a run of digits; returns how many there were. */
static size_t skip_digits(wm_json_reader_t *reader)
{
    size_t count = 0;

    while (!at_end(reader) && is_digit(current(reader))) {
        reader->position++;
        count++;
    }
    return count;
}

/* Any number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259 6). */
static DWORD skip_number(wm_json_reader_t *reader)
{
    if (current(reader) == '-') {
        reader->position++;
    }
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    if (current(reader) == '0') {
        reader->position++;
    } else if (skip_digits(reader) == 0) {
        return ERROR_INVALID_DATA;
    }
    if (current(reader) == '.') {
        reader->position++;
        if (at_end(reader)) {
            return ERROR_HANDLE_EOF;
        }
        if (skip_digits(reader) == 0) {
            return ERROR_INVALID_DATA;
        }
    }
    if (current(reader) == 'e' || current(reader) == 'E') {
        reader->position++;
        if (current(reader) == '+' || current(reader) == '-') {
            reader->position++;
        }
        if (at_end(reader)) {
            return ERROR_HANDLE_EOF;
        }
        if (skip_digits(reader) == 0) {
            return ERROR_INVALID_DATA;
        }
    }
    return ERROR_SUCCESS;
}

static DWORD skip_literal(wm_json_reader_t *reader, const char *word)
{
    size_t i = 0;

    for (i = 0; word[i] != '\0'; i++) {
        if (at_end(reader)) {
            return ERROR_HANDLE_EOF;
        }
        if (reader->text[reader->position] != word[i]) {
            return ERROR_INVALID_DATA;
        }
        reader->position++;
    }
    return ERROR_SUCCESS;
}

static DWORD skip_nested(wm_json_reader_t *reader, int depth);

/* An object or an array at the position: its items, each skipped at depth + 1. */
static DWORD skip_container(wm_json_reader_t *reader, int depth)
{
    char close = ']';
    size_t needed = 0;
    int more = 0;
    DWORD error = ERROR_SUCCESS;

    if (depth >= WM_JSON_MAX_DEPTH) {
        return ERROR_INVALID_DATA; /* nested too deep: the position is on the bracket */
    }
    if (current(reader) == '{') {
        close = '}';
    }
    reader->position++;
    if (wm_json_reader_peek(reader) == close) {
        reader->position++;
        return ERROR_SUCCESS;
    }
    do {
        if (close == '}') {
            skip_space(reader);
            error = scan_string(reader, NULL, 0, &needed);
            if (error == ERROR_SUCCESS) {
                error = wm_json_read_token(reader, ':');
            }
            if (error != ERROR_SUCCESS) {
                return error;
            }
        }
        error = skip_nested(reader, depth + 1);
        if (error == ERROR_SUCCESS) {
            error = wm_json_read_more(reader, close, &more);
        }
    } while (error == ERROR_SUCCESS && more);
    return error;
}

/* One value at nesting depth (0 at the top). */
static DWORD skip_nested(wm_json_reader_t *reader, int depth)
{
    size_t needed = 0;

    skip_space(reader);
    if (at_end(reader)) {
        return ERROR_HANDLE_EOF;
    }
    switch (current(reader)) {
    case '{':
    case '[':
        return skip_container(reader, depth);
    case '"':
        return scan_string(reader, NULL, 0, &needed);
    case 't':
        return skip_literal(reader, "true");
    case 'f':
        return skip_literal(reader, "false");
    case 'n':
        return skip_literal(reader, "null");
    default:
        return skip_number(reader);
    }
}

DWORD wm_json_skip_value(wm_json_reader_t *reader)
{
    return skip_nested(reader, 0);
}

DWORD wm_json_read_end(wm_json_reader_t *reader)
{
    skip_space(reader);
    if (!at_end(reader)) {
        return ERROR_INVALID_DATA;
    }
    return ERROR_SUCCESS;
}
