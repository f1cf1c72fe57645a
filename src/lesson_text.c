/*
 * lesson_text.c - the lesson's output for people: headings, wrapped narration, aligned
 * values and coloured verdicts.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wm_console.h"
#include "wm_lesson.h"

/* Text layout: lines are wrapped at this width, values are aligned at this column. */
#define WM_TEXT_WIDTH 78
#define WM_VALUE_NAME_WIDTH 38
/* A claim's text starts after "  differs ": wrapped lines line up under it. */
#define WM_CLAIM_INDENT 10
/* Longest single piece of formatted output (a wrapped paragraph is written in pieces). */
#define WM_LINE_MAX 4096

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

/* An ANSI colour sequence when colour is on, else nothing. */
static const char *paint(const wm_lesson_t *lesson, const char *ansi)
{
    return lesson->color ? ansi : "";
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

static void text_begin(wm_lesson_t *lesson)
{
    out(lesson, "%swinmem lesson: %s%s\n", paint(lesson, WM_ANSI_BOLD), lesson->name,
        paint(lesson, WM_ANSI_RESET));
    out_wrapped(lesson, lesson->title, 0, 0);
    if (lesson->runtime.is_wine) {
        out(lesson, "Runtime: Wine %s, reporting Windows %lu.%lu.%lu.\n",
            lesson->runtime.wine_version, (unsigned long)lesson->runtime.major,
            (unsigned long)lesson->runtime.minor, (unsigned long)lesson->runtime.build);
    } else {
        out(lesson, "Runtime: Windows %lu.%lu.%lu.\n", (unsigned long)lesson->runtime.major,
            (unsigned long)lesson->runtime.minor, (unsigned long)lesson->runtime.build);
    }
}

static void text_step(wm_lesson_t *lesson)
{
    out(lesson, "\n%sStep %u/%u. %s%s\n", paint(lesson, WM_ANSI_BOLD), lesson->step_number,
        lesson->step_total, lesson->step_title, paint(lesson, WM_ANSI_RESET));
    out(lesson, "  ");
    out_wrapped(lesson, lesson->step_narration, 2, 2);
    out(lesson, "\n");
}

static void text_step_end(wm_lesson_t *lesson)
{
    (void)lesson;
}

static void text_note(wm_lesson_t *lesson, const char *note)
{
    out(lesson, "  ");
    out_wrapped(lesson, note, 2, 2);
}

/* One aligned line: "    name ........ shown". */
static void text_value(wm_lesson_t *lesson, const wm_value_t *value)
{
    char grouped[32];
    char human[32];
    char shown[160];
    uint64_t magnitude = 0;
    int dots = WM_VALUE_NAME_WIDTH - (int)strlen(value->name) - 1;

    switch (value->kind) {
    case WM_VALUE_BYTES:
        format_grouped(value->number, grouped, sizeof grouped);
        wm_format_bytes(value->number, human, sizeof human);
        if (value->number < 1024) {
            snprintf(shown, sizeof shown, "%s", human);
        } else {
            snprintf(shown, sizeof shown, "%s bytes (%s)", grouped, human);
        }
        break;
    case WM_VALUE_COUNT:
        format_grouped(value->number, grouped, sizeof grouped);
        if (value->unit == NULL) {
            snprintf(shown, sizeof shown, "%s", grouped);
        } else if (strcmp(value->unit, "%") == 0) {
            snprintf(shown, sizeof shown, "%s%%", grouped);
        } else {
            snprintf(shown, sizeof shown, "%s %s", grouped, value->unit);
        }
        break;
    case WM_VALUE_SIGNED:
        /* -(value + 1) + 1 avoids overflow for the most negative value. */
        magnitude = value->signed_number < 0 ? (uint64_t)(-(value->signed_number + 1)) + 1
                                             : (uint64_t)value->signed_number;
        format_grouped(magnitude, grouped, sizeof grouped);
        snprintf(shown, sizeof shown, "%s%s%s%s", value->signed_number < 0 ? "-" : "+", grouped,
                 value->unit == NULL ? "" : " ", value->unit == NULL ? "" : value->unit);
        break;
    case WM_VALUE_ADDRESS:
        snprintf(shown, sizeof shown, "0x%016" PRIX64, value->number);
        break;
    case WM_VALUE_HEX:
        if (value->text == NULL) {
            snprintf(shown, sizeof shown, "0x%" PRIX64, value->number);
        } else {
            snprintf(shown, sizeof shown, "0x%" PRIX64 " (%s)", value->number, value->text);
        }
        break;
    default:
        snprintf(shown, sizeof shown, "%s", value->text == NULL ? "" : value->text);
        break;
    }
    if (dots < 1) {
        dots = 1;
    }
    out(lesson, "    %s %s%.*s%s %s\n", value->name, paint(lesson, WM_ANSI_DIM), dots,
        "..................................................", paint(lesson, WM_ANSI_RESET), shown);
}

static void text_claim(wm_lesson_t *lesson, const wm_claim_result_t *claim)
{
    const char *color = WM_ANSI_GREEN;
    const char *label = "  pass   ";

    if (claim->verdict == WM_VERDICT_DIFFERS) {
        color = WM_ANSI_YELLOW;
        label = "  differs";
    } else if (claim->verdict == WM_VERDICT_FAIL) {
        color = WM_ANSI_RED;
        label = "  FAIL   ";
    }
    out(lesson, "%s%s%s ", paint(lesson, color), label, paint(lesson, WM_ANSI_RESET));
    out_wrapped(lesson, claim->text, WM_CLAIM_INDENT, WM_CLAIM_INDENT);
    if (claim->reason != NULL) {
        out(lesson, "%*s", WM_CLAIM_INDENT, "");
        out_wrapped(lesson, claim->reason, WM_CLAIM_INDENT, WM_CLAIM_INDENT);
    }
}

static void text_end(wm_lesson_t *lesson, const char *summary)
{
    out(lesson, "\n%ssummary: %s%s\n", paint(lesson, WM_ANSI_BOLD), summary,
        paint(lesson, WM_ANSI_RESET));
}

const wm_lesson_output_t wm_lesson_text_output = {
    text_begin, text_step, text_step_end, text_note, text_value, text_claim, text_end,
};
