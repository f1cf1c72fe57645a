/*
 * lesson.c - the lesson framework: steps, values, claims, verdicts; text or JSON.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_lesson.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_console.h"
#include "wm_error.h"

/* Text layout: lines are wrapped at this width, values are aligned at this column. */
#define WM_TEXT_WIDTH 78
#define WM_VALUE_NAME_WIDTH 38
/* A claim's text starts after "  differs ": wrapped lines line up under it. */
#define WM_CLAIM_INDENT 10
/* Longest single piece of formatted output (a wrapped paragraph is written in pieces). */
#define WM_LINE_MAX 4096

static void write_stdout(void *context, const char *bytes, size_t length)
{
    (void)context;
    fwrite(bytes, 1, length, stdout);
}

/* Writes formatted text to the lesson's output. */
static void out(wm_lesson_t *lesson, const char *format, ...)
{
    char line[WM_LINE_MAX];
    va_list arguments;
    int length = 0;

    va_start(arguments, format);
    length = vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (length < 0) {
        return;
    }
    if ((size_t)length >= sizeof line) {
        length = (int)sizeof line - 1; /* cut, never overflow */
    }
    lesson->write(lesson->write_context, line, (size_t)length);
}

/* Writes text wrapped at WM_TEXT_WIDTH, every line starting with indent spaces, and the
 * first line starting after first_used columns already printed. */
static void out_wrapped(wm_lesson_t *lesson, const char *text, int indent, int first_used)
{
    const char *at = text;
    const char *word_end = NULL;
    int column = first_used;
    int word_length = 0;
    int first_word = 1;

    while (*at != '\0') {
        while (*at == ' ') {
            at++;
        }
        if (*at == '\0') {
            break;
        }
        if (*at == '\n') {
            out(lesson, "\n%*s", indent, "");
            column = indent;
            first_word = 1;
            at++;
            continue;
        }
        word_end = at;
        while (*word_end != '\0' && *word_end != ' ' && *word_end != '\n') {
            word_end++;
        }
        word_length = (int)(word_end - at);
        if (!first_word && column + 1 + word_length > WM_TEXT_WIDTH) {
            out(lesson, "\n%*s", indent, "");
            column = indent;
            first_word = 1;
        }
        if (!first_word) {
            out(lesson, " ");
            column++;
        }
        out(lesson, "%.*s", word_length, at);
        column += word_length;
        first_word = 0;
        at = word_end;
    }
    out(lesson, "\n");
}

/* Wraps s in an ANSI colour when colour is on. */
static const char *paint(const wm_lesson_t *lesson, const char *ansi)
{
    return lesson->color ? ansi : "";
}

void wm_format_bytes(uint64_t bytes, char *text, size_t capacity)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = (double)bytes;
    size_t unit = 0;

    if (bytes < 1024) {
        snprintf(text, capacity, "%" PRIu64 " bytes", bytes);
        return;
    }
    while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1024.0;
        unit++;
    }
    if (value == (double)(uint64_t)value) {
        snprintf(text, capacity, "%.0f %s", value, units[unit]);
    } else {
        snprintf(text, capacity, "%.1f %s", value, units[unit]);
    }
}

/* 1234567 -> "1,234,567": long numbers are read by eye in this output. */
static void format_grouped(uint64_t value, char *text, size_t capacity)
{
    char digits[24];
    char grouped[32];
    int length = 0;
    int i = 0;
    int at = 0;

    length = snprintf(digits, sizeof digits, "%" PRIu64, value);
    for (i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0) {
            grouped[at++] = ',';
        }
        grouped[at++] = digits[i];
    }
    grouped[at] = '\0';
    snprintf(text, capacity, "%s", grouped);
}

static void begin_step_buffers(wm_lesson_t *lesson)
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

/* Closes the current step: in JSON, writes its object from the buffers. */
static void end_step(wm_lesson_t *lesson)
{
    if (lesson->step_number == 0) {
        return;
    }
    if (lesson->json) {
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
}

void wm_lesson_begin(wm_lesson_t *lesson, const char *name, const char *title, unsigned step_total,
                     const wm_options_t *options, wm_write_fn write, void *write_context)
{
    DWORD error = ERROR_SUCCESS;
    char version[64];
    char line[256];

    memset(lesson, 0, sizeof *lesson);
    lesson->name = name;
    lesson->title = title;
    lesson->step_total = step_total;
    lesson->json = options->json;
    lesson->pause = options->pause;
    lesson->write = write != NULL ? write : write_stdout;
    lesson->write_context = write_context;
    /* Colour only in text, and only where the console takes it. */
    lesson->color = !lesson->json && wm_console_use_color(options->color);
    error = wm_runtime_query(&lesson->runtime);
    if (error != ERROR_SUCCESS) {
        memset(&lesson->runtime, 0, sizeof lesson->runtime);
    }
    snprintf(version, sizeof version, "%lu.%lu.%lu", (unsigned long)lesson->runtime.major,
             (unsigned long)lesson->runtime.minor, (unsigned long)lesson->runtime.build);

    if (lesson->json) {
        wm_json_init(&lesson->document, lesson->write, lesson->write_context);
        wm_json_object_begin(&lesson->document);
        wm_json_key(&lesson->document, "demo");
        wm_json_string(&lesson->document, name);
        wm_json_key(&lesson->document, "title");
        wm_json_string(&lesson->document, title);
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
        return;
    }
    out(lesson, "%swinmem lesson: %s%s\n", paint(lesson, WM_ANSI_BOLD), name,
        paint(lesson, WM_ANSI_RESET));
    out_wrapped(lesson, title, 0, 0);
    if (lesson->runtime.is_wine) {
        snprintf(line, sizeof line,
                 "Runtime: Windows %s as reported by Wine %s. Where Wine does not do what "
                 "Windows documents, the verdict is 'differs', with the reason.",
                 version, lesson->runtime.wine_version);
        out_wrapped(lesson, line, 0, 0);
    } else {
        out(lesson, "Runtime: Windows %s.\n", version);
    }
}

void wm_step(wm_lesson_t *lesson, const char *title, const char *narration)
{
    char next[160];

    end_step(lesson);
    lesson->step_number++;
    if (lesson->pause) {
        snprintf(next, sizeof next, "run step %u (%s)", lesson->step_number, title);
        fflush(stdout);
        (void)wm_console_pause(next); /* returns at once when stdin is not a console */
    }
    snprintf(lesson->step_title, sizeof lesson->step_title, "%s", title);
    snprintf(lesson->step_narration, sizeof lesson->step_narration, "%s", narration);
    if (lesson->json) {
        begin_step_buffers(lesson);
        return;
    }
    out(lesson, "\n%sStep %u/%u. %s%s\n", paint(lesson, WM_ANSI_BOLD), lesson->step_number,
        lesson->step_total, title, paint(lesson, WM_ANSI_RESET));
    out(lesson, "  ");
    out_wrapped(lesson, narration, 2, 2);
    out(lesson, "\n");
}

void wm_note(wm_lesson_t *lesson, const char *format, ...)
{
    char note[WM_LINE_MAX];
    va_list arguments;

    va_start(arguments, format);
    vsnprintf(note, sizeof note, format, arguments);
    va_end(arguments);
    if (lesson->json) {
        wm_json_string(&lesson->notes_json, note);
        return;
    }
    out(lesson, "  ");
    out_wrapped(lesson, note, 2, 2);
}

/* Text: one aligned line "  name ........ shown". JSON: {"name", "value", "unit"}. */
static void out_value_line(wm_lesson_t *lesson, const char *name, const char *shown)
{
    int dots = WM_VALUE_NAME_WIDTH - (int)strlen(name) - 1;

    if (dots < 1) {
        dots = 1;
    }
    out(lesson, "    %s %s%.*s%s %s\n", name, paint(lesson, WM_ANSI_DIM), dots,
        "..................................................", paint(lesson, WM_ANSI_RESET), shown);
}

static void json_value_start(wm_lesson_t *lesson, const char *name)
{
    wm_json_object_begin(&lesson->values_json);
    wm_json_key(&lesson->values_json, "name");
    wm_json_string(&lesson->values_json, name);
    wm_json_key(&lesson->values_json, "value");
}

static void json_value_end(wm_lesson_t *lesson, const char *unit)
{
    wm_json_key(&lesson->values_json, "unit");
    wm_json_string(&lesson->values_json, unit);
    wm_json_object_end(&lesson->values_json);
}

void wm_value_bytes(wm_lesson_t *lesson, const char *name, uint64_t bytes)
{
    char grouped[32];
    char human[32];
    char shown[80];

    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_unsigned(&lesson->values_json, bytes);
        json_value_end(lesson, "bytes");
        return;
    }
    format_grouped(bytes, grouped, sizeof grouped);
    wm_format_bytes(bytes, human, sizeof human);
    if (bytes < 1024) {
        snprintf(shown, sizeof shown, "%s", human);
    } else {
        snprintf(shown, sizeof shown, "%s bytes (%s)", grouped, human);
    }
    out_value_line(lesson, name, shown);
}

void wm_value_count(wm_lesson_t *lesson, const char *name, uint64_t count, const char *unit)
{
    char grouped[32];
    char shown[96];

    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_unsigned(&lesson->values_json, count);
        json_value_end(lesson, unit);
        return;
    }
    format_grouped(count, grouped, sizeof grouped);
    if (unit == NULL) {
        snprintf(shown, sizeof shown, "%s", grouped);
    } else if (strcmp(unit, "%") == 0) {
        snprintf(shown, sizeof shown, "%s%%", grouped);
    } else {
        snprintf(shown, sizeof shown, "%s %s", grouped, unit);
    }
    out_value_line(lesson, name, shown);
}

void wm_value_signed(wm_lesson_t *lesson, const char *name, int64_t value, const char *unit)
{
    char grouped[32];
    char shown[96];
    uint64_t magnitude = 0;

    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_signed(&lesson->values_json, value);
        json_value_end(lesson, unit);
        return;
    }
    /* -(value + 1) + 1 avoids overflow for the most negative value. */
    magnitude = value < 0 ? (uint64_t)(-(value + 1)) + 1 : (uint64_t)value;
    format_grouped(magnitude, grouped, sizeof grouped);
    snprintf(shown, sizeof shown, "%s%s%s%s", value < 0 ? "-" : "+", grouped,
             unit == NULL ? "" : " ", unit == NULL ? "" : unit);
    out_value_line(lesson, name, shown);
}

void wm_value_address(wm_lesson_t *lesson, const char *name, uintptr_t address)
{
    char shown[32];

    /* 16 hex digits, as debuggers show 64-bit addresses; a string in JSON, because
     * JSON numbers lose precision past 2^53. */
    snprintf(shown, sizeof shown, "0x%016" PRIXPTR, address);
    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_string(&lesson->values_json, shown);
        json_value_end(lesson, "address");
        return;
    }
    out_value_line(lesson, name, shown);
}

void wm_value_hex(wm_lesson_t *lesson, const char *name, uint64_t value, const char *meaning)
{
    char hex[24];
    char shown[128];

    snprintf(hex, sizeof hex, "0x%" PRIX64, value);
    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_string(&lesson->values_json, hex);
        wm_json_key(&lesson->values_json, "meaning");
        wm_json_string(&lesson->values_json, meaning);
        json_value_end(lesson, "hex");
        return;
    }
    if (meaning == NULL) {
        snprintf(shown, sizeof shown, "%s", hex);
    } else {
        snprintf(shown, sizeof shown, "%s (%s)", hex, meaning);
    }
    out_value_line(lesson, name, shown);
}

void wm_value_text(wm_lesson_t *lesson, const char *name, const char *text)
{
    if (lesson->json) {
        json_value_start(lesson, name);
        wm_json_string(&lesson->values_json, text);
        json_value_end(lesson, NULL);
        return;
    }
    out_value_line(lesson, name, text);
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

/* Records a verdict, counts it, and prints it. reason may be NULL. */
static wm_verdict_t record(wm_lesson_t *lesson, const char *claim, wm_verdict_t verdict,
                           const char *reason)
{
    const char *color = WM_ANSI_GREEN;
    const char *label = "  pass   ";

    if (verdict == WM_VERDICT_PASS) {
        lesson->passed++;
    } else if (verdict == WM_VERDICT_DIFFERS) {
        lesson->differs++;
        color = WM_ANSI_YELLOW;
        label = "  differs";
    } else {
        lesson->failed++;
        color = WM_ANSI_RED;
        label = "  FAIL   ";
    }
    if (lesson->json) {
        wm_json_object_begin(&lesson->claims_json);
        wm_json_key(&lesson->claims_json, "claim");
        wm_json_string(&lesson->claims_json, claim);
        wm_json_key(&lesson->claims_json, "verdict");
        wm_json_string(&lesson->claims_json, verdict_name(verdict));
        wm_json_key(&lesson->claims_json, "reason");
        wm_json_string(&lesson->claims_json, reason);
        wm_json_object_end(&lesson->claims_json);
        return verdict;
    }
    out(lesson, "%s%s%s ", paint(lesson, color), label, paint(lesson, WM_ANSI_RESET));
    out_wrapped(lesson, claim, WM_CLAIM_INDENT, WM_CLAIM_INDENT);
    if (reason != NULL) {
        out(lesson, "%*s", WM_CLAIM_INDENT, "");
        out_wrapped(lesson, reason, WM_CLAIM_INDENT, WM_CLAIM_INDENT);
    }
    return verdict;
}

wm_verdict_t wm_claim(wm_lesson_t *lesson, const char *claim, int held)
{
    return record(lesson, claim, held ? WM_VERDICT_PASS : WM_VERDICT_FAIL, NULL);
}

wm_verdict_t wm_claim_windows(wm_lesson_t *lesson, const char *claim, int held,
                              const char *wine_reason)
{
    char reason[WM_LINE_MAX];

    if (held) {
        return record(lesson, claim, WM_VERDICT_PASS, NULL);
    }
    if (lesson->runtime.is_wine) {
        snprintf(reason, sizeof reason, "Wine %s: %s", lesson->runtime.wine_version, wine_reason);
        return record(lesson, claim, WM_VERDICT_DIFFERS, reason);
    }
    return record(lesson, claim, WM_VERDICT_FAIL, NULL);
}

wm_verdict_t wm_claim_differs(wm_lesson_t *lesson, const char *claim, const char *reason)
{
    return record(lesson, claim, WM_VERDICT_DIFFERS, reason);
}

wm_verdict_t wm_claim_success(wm_lesson_t *lesson, const char *call, DWORD error)
{
    char claim[256];
    char text[256];
    char reason[320];

    snprintf(claim, sizeof claim, "%s succeeds.", call);
    if (error == ERROR_SUCCESS) {
        return record(lesson, claim, WM_VERDICT_PASS, NULL);
    }
    (void)wm_error_text(error, text, sizeof text);
    snprintf(reason, sizeof reason, "%s failed: %s", call, text);
    return record(lesson, claim, WM_VERDICT_FAIL, reason);
}

int wm_lesson_end(wm_lesson_t *lesson)
{
    char summary[96];

    end_step(lesson);
    snprintf(summary, sizeof summary, "%u passed, %u differs, %u failed", lesson->passed,
             lesson->differs, lesson->failed);
    if (lesson->json) {
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
        out(lesson, "\n");
    } else {
        out(lesson, "\n%ssummary: %s%s\n", paint(lesson, WM_ANSI_BOLD), summary,
            paint(lesson, WM_ANSI_RESET));
    }
    fflush(stdout);
    return lesson->failed > 0 ? WM_EXIT_FAILED : WM_EXIT_OK;
}

int wm_lesson_parse_summary(const char *output, unsigned *passed, unsigned *differs,
                            unsigned *failed)
{
    const char *found = NULL;
    const char *at = output;
    int parsed = 0;

    if (output == NULL) {
        return 0;
    }
    /* The last "summary" wins: a child's output may quote others before it. */
    for (;;) {
        at = strstr(at, "summary");
        if (at == NULL) {
            break;
        }
        found = at;
        at++;
    }
    if (found == NULL) {
        return 0;
    }
    found += strlen("summary");
    while (*found != '\0' && (*found < '0' || *found > '9')) {
        found++;
    }
    parsed = sscanf(found, "%u passed, %u differs, %u failed", passed, differs, failed);
    return parsed == 3;
}
