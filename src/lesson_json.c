/*
 * lesson_json.c - the lesson's output for programs: one JSON object (see wm_lesson.h).
 *
 * A step's object lists its notes, values and claims in that order, but a step writes
 * them interleaved: each array is kept as text until the step ends.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wm_lesson.h"

static void json_begin(wm_lesson_t *lesson)
{
    char version[64];

    snprintf(version, sizeof version, "%lu.%lu.%lu", (unsigned long)lesson->runtime.major,
             (unsigned long)lesson->runtime.minor, (unsigned long)lesson->runtime.build);
    wm_json_init(&lesson->document, lesson->write, lesson->write_context);
    wm_json_object_begin(&lesson->document);
    wm_json_key(&lesson->document, "demo");
    wm_json_string(&lesson->document, lesson->name);
    wm_json_key(&lesson->document, "title");
    wm_json_string(&lesson->document, lesson->title);
    wm_json_key(&lesson->document, "runtime");
    wm_json_object_begin(&lesson->document);
    wm_json_key(&lesson->document, "os");
    wm_json_string(&lesson->document, "Windows");
    wm_json_key(&lesson->document, "version");
    wm_json_string(&lesson->document, version);
    wm_json_key(&lesson->document, "wine");
    wm_json_string(&lesson->document,
                   lesson->runtime.is_wine ? lesson->runtime.wine_version : NULL);
    wm_json_object_end(&lesson->document);
    wm_json_key(&lesson->document, "steps");
    wm_json_array_begin(&lesson->document);
}

static void json_step(wm_lesson_t *lesson)
{
    memset(&lesson->step_values, 0, sizeof lesson->step_values);
    memset(&lesson->step_claims, 0, sizeof lesson->step_claims);
    memset(&lesson->step_notes, 0, sizeof lesson->step_notes);
    wm_json_init(&lesson->values_json, wm_text_buffer_write, &lesson->step_values);
    wm_json_init(&lesson->claims_json, wm_text_buffer_write, &lesson->step_claims);
    wm_json_init(&lesson->notes_json, wm_text_buffer_write, &lesson->step_notes);
    wm_json_array_begin(&lesson->values_json);
    wm_json_array_begin(&lesson->claims_json);
    wm_json_array_begin(&lesson->notes_json);
}

/* Writes one finished buffer as the value of key; an allocation failure writes []. */
static void write_buffered_array(wm_lesson_t *lesson, const char *key, wm_json_t *writer,
                                 wm_text_buffer_t *buffer)
{
    wm_json_array_end(writer);
    wm_json_key(&lesson->document, key);
    if (buffer->out_of_memory || buffer->data == NULL) {
        wm_json_raw(&lesson->document, "[]", 2);
    } else {
        wm_json_raw(&lesson->document, buffer->data, buffer->length);
    }
    wm_text_buffer_free(buffer);
}

static void json_step_end(wm_lesson_t *lesson)
{
    wm_json_object_begin(&lesson->document);
    wm_json_key(&lesson->document, "number");
    wm_json_unsigned(&lesson->document, lesson->step_number);
    wm_json_key(&lesson->document, "title");
    wm_json_string(&lesson->document, lesson->step_title);
    wm_json_key(&lesson->document, "narration");
    wm_json_string(&lesson->document, lesson->step_narration);
    write_buffered_array(lesson, "notes", &lesson->notes_json, &lesson->step_notes);
    write_buffered_array(lesson, "values", &lesson->values_json, &lesson->step_values);
    write_buffered_array(lesson, "claims", &lesson->claims_json, &lesson->step_claims);
    wm_json_object_end(&lesson->document);
}

static void json_note(wm_lesson_t *lesson, const char *note)
{
    wm_json_string(&lesson->notes_json, note);
}

/* {"name", "value", "unit"}, and "meaning" for a hex value. Addresses and hex values are
 * strings: JSON numbers lose precision past 2^53. */
static void json_value(wm_lesson_t *lesson, const wm_value_t *value)
{
    char hex[32];
    wm_json_t *json = &lesson->values_json;

    wm_json_object_begin(json);
    wm_json_key(json, "name");
    wm_json_string(json, value->name);
    wm_json_key(json, "value");
    switch (value->kind) {
    case WM_VALUE_BYTES:
    case WM_VALUE_COUNT:
        wm_json_unsigned(json, value->number);
        break;
    case WM_VALUE_SIGNED:
        wm_json_signed(json, value->signed_number);
        break;
    case WM_VALUE_ADDRESS:
        snprintf(hex, sizeof hex, "0x%016" PRIX64, value->number);
        wm_json_string(json, hex);
        break;
    case WM_VALUE_HEX:
        snprintf(hex, sizeof hex, "0x%" PRIX64, value->number);
        wm_json_string(json, hex);
        wm_json_key(json, "meaning");
        wm_json_string(json, value->text);
        break;
    default:
        wm_json_string(json, value->text);
        break;
    }
    wm_json_key(json, "unit");
    switch (value->kind) {
    case WM_VALUE_BYTES:
        wm_json_string(json, "bytes");
        break;
    case WM_VALUE_ADDRESS:
        wm_json_string(json, "address");
        break;
    case WM_VALUE_HEX:
        wm_json_string(json, "hex");
        break;
    default:
        wm_json_string(json, value->unit);
        break;
    }
    wm_json_object_end(json);
}

static const char *verdict_name(wm_verdict_t verdict)
{
    switch (verdict) {
    case WM_VERDICT_PASS:
        return "pass";
    case WM_VERDICT_DIFFERS:
        return "differs";
    default:
        return "fail";
    }
}

/* {"id", "claim", "verdict", "reason", "deviation"}; a failed requirement has id null. */
static void json_claim(wm_lesson_t *lesson, const wm_claim_result_t *claim)
{
    wm_json_t *json = &lesson->claims_json;

    wm_json_object_begin(json);
    wm_json_key(json, "id");
    wm_json_string(json, claim->id);
    wm_json_key(json, "claim");
    wm_json_string(json, claim->text);
    wm_json_key(json, "verdict");
    wm_json_string(json, verdict_name(claim->verdict));
    wm_json_key(json, "reason");
    wm_json_string(json, claim->reason);
    wm_json_key(json, "deviation");
    wm_json_string(json, claim->deviation);
    wm_json_object_end(json);
}

static void json_end(wm_lesson_t *lesson, const char *summary)
{
    wm_json_array_end(&lesson->document); /* steps */
    wm_json_key(&lesson->document, "passed");
    wm_json_unsigned(&lesson->document, lesson->passed);
    wm_json_key(&lesson->document, "differs");
    wm_json_unsigned(&lesson->document, lesson->differs);
    wm_json_key(&lesson->document, "failed");
    wm_json_unsigned(&lesson->document, lesson->failed);
    wm_json_key(&lesson->document, "summary");
    wm_json_string(&lesson->document, summary);
    wm_json_object_end(&lesson->document);
    lesson->write(lesson->write_context, "\n", 1);
}

const wm_lesson_output_t wm_lesson_json_output = {
    json_begin, json_step, json_step_end, json_note, json_value, json_claim, json_end,
};
