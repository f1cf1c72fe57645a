/*
 * wm_json.h - a small streaming JSON writer, and a growable text buffer to write into.
 *
 * The writer emits compact JSON (RFC 8259) through a write callback as you call it: no
 * document tree is built. It inserts the commas, escapes strings, and passes UTF-8
 * through unchanged (a byte sequence that is not valid UTF-8 becomes U+FFFD).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_JSON_H
#define WM_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Where output goes: called with each run of bytes, in order. */
typedef void (*wm_write_fn)(void *context, const char *bytes, size_t length);

/* Deepest nesting of objects and arrays the writer tracks. */
#define WM_JSON_MAX_DEPTH 32

typedef struct wm_json_s
{
    wm_write_fn write;                          /* the sink */
    void *context;                              /* passed to write */
    int depth;                                  /* open objects and arrays */
    unsigned char has_items[WM_JSON_MAX_DEPTH]; /* per level: 1 once an item was written */
    int after_key;                              /* a key was just written: no comma next */
    int misused;                                /* set on unbalanced or too deep nesting */
} wm_json_t;

/* A growable byte buffer; data is NUL-terminated whenever length > 0. */
typedef struct wm_text_buffer_s
{
    char *data;        /* malloc'd; free with wm_text_buffer_free */
    size_t length;     /* bytes written, NUL excluded */
    size_t capacity;   /* bytes allocated */
    int out_of_memory; /* set when a write could not be stored */
} wm_text_buffer_t;

void wm_json_init(wm_json_t *json, wm_write_fn write, void *context);
void wm_json_object_begin(wm_json_t *json);
void wm_json_object_end(wm_json_t *json);
void wm_json_array_begin(wm_json_t *json);
void wm_json_array_end(wm_json_t *json);
/* Writes "key": inside an object; the next call writes its value. */
void wm_json_key(wm_json_t *json, const char *key);
/* Values. text is UTF-8; NULL writes null. */
void wm_json_string(wm_json_t *json, const char *text);
void wm_json_unsigned(wm_json_t *json, uint64_t value);
void wm_json_signed(wm_json_t *json, int64_t value);
void wm_json_boolean(wm_json_t *json, int value);
void wm_json_null(wm_json_t *json);
/* Writes length bytes of already-valid JSON as one value (used to embed a document). */
void wm_json_raw(wm_json_t *json, const char *value, size_t length);

/* wm_write_fn that appends to a wm_text_buffer_t (the context). */
void wm_text_buffer_write(void *buffer, const char *bytes, size_t length);
void wm_text_buffer_free(wm_text_buffer_t *buffer);

#endif /* WM_JSON_H */
