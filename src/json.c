/*
 * json.c - a small streaming JSON writer, and a growable text buffer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8, written in place of invalid input bytes. */
static const char replacement_utf8[] = "\xEF\xBF\xBD";

void wm_json_init(wm_json_t *json, wm_write_fn write, void *context)
{
    memset(json, 0, sizeof *json);
    json->write = write;
    json->context = context;
}

static void emit(wm_json_t *json, const char *bytes, size_t length)
{
    json->write(json->context, bytes, length);
}

/* Called before every value or key: writes the comma that separates items. */
static void before_item(wm_json_t *json)
{
    if (json->after_key) {
        json->after_key = 0;
        return;
    }
    if (json->depth > 0) {
        if (json->has_items[json->depth - 1]) {
            emit(json, ",", 1);
        }
        json->has_items[json->depth - 1] = 1;
    }
}

static void open_container(wm_json_t *json, const char *bracket)
{
    before_item(json);
    if (json->depth >= WM_JSON_MAX_DEPTH) {
        json->misused = 1;
        return;
    }
    emit(json, bracket, 1);
    json->has_items[json->depth] = 0;
    json->depth++;
}

static void close_container(wm_json_t *json, const char *bracket)
{
    if (json->depth == 0) {
        json->misused = 1;
        return;
    }
    json->depth--;
    emit(json, bracket, 1);
}

void wm_json_object_begin(wm_json_t *json)
{
    open_container(json, "{");
}

void wm_json_object_end(wm_json_t *json)
{
    close_container(json, "}");
}

void wm_json_array_begin(wm_json_t *json)
{
    open_container(json, "[");
}

void wm_json_array_end(wm_json_t *json)
{
    close_container(json, "]");
}

/* Length of the valid UTF-8 sequence at text (1-4), or 0 if the bytes there are invalid. */
static size_t utf8_sequence_length(const unsigned char *text)
{
    size_t length = 0;
    size_t i = 0;
    uint32_t code_point = 0;

    if (text[0] < 0x80) {
        return 1;
    } else if ((text[0] & 0xE0) == 0xC0) {
        length = 2;
        code_point = text[0] & 0x1Fu;
    } else if ((text[0] & 0xF0) == 0xE0) {
        length = 3;
        code_point = text[0] & 0x0Fu;
    } else if ((text[0] & 0xF8) == 0xF0) {
        length = 4;
        code_point = text[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80) {
            return 0; /* also stops at the NUL terminator */
        }
        code_point = (code_point << 6) | (text[i] & 0x3Fu);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not valid UTF-8. */
    if ((length == 2 && code_point < 0x80) || (length == 3 && code_point < 0x800) ||
        (length == 4 && code_point < 0x10000) || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return 0;
    }
    return length;
}

static void emit_escaped(wm_json_t *json, const char *text)
{
    const unsigned char *at = (const unsigned char *)text;
    char escape[8];
    size_t run = 0;

    emit(json, "\"", 1);
    while (*at != '\0') {
        if (*at == '"' || *at == '\\') {
            escape[0] = '\\';
            escape[1] = (char)*at;
            emit(json, escape, 2);
            at++;
        } else if (*at == '\n') {
            emit(json, "\\n", 2);
            at++;
        } else if (*at == '\r') {
            emit(json, "\\r", 2);
            at++;
        } else if (*at == '\t') {
            emit(json, "\\t", 2);
            at++;
        } else if (*at < 0x20) {
            /* Other control characters have no short escape: \u00XX. */
            snprintf(escape, sizeof escape, "\\u%04x", (unsigned)*at);
            emit(json, escape, 6);
            at++;
        } else {
            run = utf8_sequence_length(at);
            if (run == 0) {
                emit(json, replacement_utf8, sizeof replacement_utf8 - 1);
                at++;
            } else {
                emit(json, (const char *)at, run);
                at += run;
            }
        }
    }
    emit(json, "\"", 1);
}

void wm_json_key(wm_json_t *json, const char *key)
{
    before_item(json);
    emit_escaped(json, key);
    emit(json, ":", 1);
    json->after_key = 1;
}

void wm_json_string(wm_json_t *json, const char *text)
{
    if (text == NULL) {
        wm_json_null(json);
        return;
    }
    before_item(json);
    emit_escaped(json, text);
}

void wm_json_unsigned(wm_json_t *json, uint64_t value)
{
    char number[24];
    int length = 0;

    before_item(json);
    length = snprintf(number, sizeof number, "%" PRIu64, value);
    emit(json, number, (size_t)length);
}

void wm_json_signed(wm_json_t *json, int64_t value)
{
    char number[24];
    int length = 0;

    before_item(json);
    length = snprintf(number, sizeof number, "%" PRId64, value);
    emit(json, number, (size_t)length);
}

void wm_json_boolean(wm_json_t *json, int value)
{
    before_item(json);
    if (value) {
        emit(json, "true", 4);
    } else {
        emit(json, "false", 5);
    }
}

void wm_json_null(wm_json_t *json)
{
    before_item(json);
    emit(json, "null", 4);
}

void wm_json_raw(wm_json_t *json, const char *value, size_t length)
{
    before_item(json);
    emit(json, value, length);
}

void wm_text_buffer_write(void *context, const char *bytes, size_t length)
{
    wm_text_buffer_t *buffer = (wm_text_buffer_t *)context;
    size_t needed = 0;
    size_t capacity = 0;
    char *grown = NULL;

    if (buffer->out_of_memory) {
        return;
    }
    if (length > (size_t)-1 - buffer->length - 1) {
        buffer->out_of_memory = 1;
        return;
    }
    needed = buffer->length + length + 1; /* + the NUL */
    if (needed > buffer->capacity) {
        capacity = buffer->capacity == 0 ? 256 : buffer->capacity;
        while (capacity < needed && capacity <= (size_t)-1 / 2) {
            capacity *= 2;
        }
        if (capacity < needed) {
            capacity = needed;
        }
        grown = (char *)realloc(buffer->data, capacity);
        if (grown == NULL) {
            buffer->out_of_memory = 1;
            return;
        }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->length, bytes, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
}

void wm_text_buffer_free(wm_text_buffer_t *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof *buffer);
}
