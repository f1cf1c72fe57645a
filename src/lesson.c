/*
 * lesson.c - the lesson framework: the runner, steps, values, claims and verdicts.
 *
 * What is printed, and how, is the output's business (lesson_text.c, lesson_json.c):
 * this file decides verdicts, counts them and runs the table of steps.
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

/* Longest note or reason, in bytes. */
#define WM_NOTE_MAX 4096
/* The most options a lesson may add (its own, plus --child). */
#define WM_LESSON_OPTIONS_MAX 16

static void write_stdout(void *context, const char *bytes, size_t length)
{
    (void)context;
    fwrite(bytes, 1, length, stdout);
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

/* ------------------------------------------------------------------------------------ */
/* Beginning, steps, end.                                                               */
/* ------------------------------------------------------------------------------------ */

void wm_lesson_begin(wm_lesson_t *lesson, const char *name, const char *title, unsigned step_total,
                     const wm_options_t *options, wm_write_fn write, void *write_context)
{
    DWORD error = ERROR_SUCCESS;

    /* A crash in a child this lesson starts (children inherit the mode) ends that child at
     * once instead of opening Windows Error Reporting's dialog, which would block the
     * lesson, and a ctest run, for ever (SetErrorMode, Microsoft Learn). */
    (void)SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    memset(lesson, 0, sizeof *lesson);
    lesson->name = name;
    lesson->title = title;
    lesson->step_total = step_total;
    lesson->json = options->json;
    lesson->pause = options->pause;
    lesson->output = lesson->json ? &wm_lesson_json_output : &wm_lesson_text_output;
    lesson->write = write != NULL ? write : write_stdout;
    lesson->write_context = write_context;
    /* Colour only in text, and only where the console takes it. */
    lesson->color = !lesson->json && wm_console_use_color(options->color);
    error = wm_runtime_query(&lesson->runtime);
    if (error != ERROR_SUCCESS) {
        memset(&lesson->runtime, 0, sizeof lesson->runtime);
    }
    lesson->output->begin(lesson);
}

static void end_step(wm_lesson_t *lesson)
{
    if (lesson->step_number > 0) {
        lesson->output->step_end(lesson);
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
    lesson->output->step(lesson);
}

int wm_lesson_end(wm_lesson_t *lesson)
{
    char summary[96];

    end_step(lesson);
    snprintf(summary, sizeof summary, "%u passed, %u differs, %u failed", lesson->passed,
             lesson->differs, lesson->failed);
    lesson->output->end(lesson, summary);
    fflush(stdout);
    return lesson->failed > 0 ? WM_EXIT_FAILED : WM_EXIT_OK;
}

void wm_note(wm_lesson_t *lesson, const char *format, ...)
{
    char note[WM_NOTE_MAX];
    va_list arguments;

    va_start(arguments, format);
    vsnprintf(note, sizeof note, format, arguments);
    va_end(arguments);
    lesson->output->note(lesson, note);
}

/* ------------------------------------------------------------------------------------ */
/* Values.                                                                              */
/* ------------------------------------------------------------------------------------ */

static void show_value(wm_lesson_t *lesson, wm_value_kind_t kind, const char *name, uint64_t number,
                       int64_t signed_number, const char *text, const char *unit)
{
    wm_value_t value;

    value.kind = kind;
    value.name = name;
    value.number = number;
    value.signed_number = signed_number;
    value.text = text;
    value.unit = unit;
    lesson->output->value(lesson, &value);
}

void wm_value_bytes(wm_lesson_t *lesson, const char *name, uint64_t bytes)
{
    show_value(lesson, WM_VALUE_BYTES, name, bytes, 0, NULL, "bytes");
}

void wm_value_count(wm_lesson_t *lesson, const char *name, uint64_t count, const char *unit)
{
    show_value(lesson, WM_VALUE_COUNT, name, count, 0, NULL, unit);
}

void wm_value_signed(wm_lesson_t *lesson, const char *name, int64_t value, const char *unit)
{
    show_value(lesson, WM_VALUE_SIGNED, name, 0, value, NULL, unit);
}

void wm_value_address(wm_lesson_t *lesson, const char *name, uintptr_t address)
{
    show_value(lesson, WM_VALUE_ADDRESS, name, (uint64_t)address, 0, NULL, "address");
}

void wm_value_hex(wm_lesson_t *lesson, const char *name, uint64_t value, const char *meaning)
{
    show_value(lesson, WM_VALUE_HEX, name, value, 0, meaning, "hex");
}

void wm_value_text(wm_lesson_t *lesson, const char *name, const char *text)
{
    show_value(lesson, WM_VALUE_TEXT, name, 0, 0, text, NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Claims and requirements.                                                             */
/* ------------------------------------------------------------------------------------ */

/* Counts a verdict and hands it to the output. */
static wm_verdict_t record(wm_lesson_t *lesson, const char *id, const char *text,
                           wm_verdict_t verdict, const char *reason, const char *deviation)
{
    wm_claim_result_t claim;

    if (verdict == WM_VERDICT_PASS) {
        lesson->passed++;
    } else if (verdict == WM_VERDICT_DIFFERS) {
        lesson->differs++;
    } else {
        lesson->failed++;
    }
    claim.id = id;
    claim.text = text;
    claim.verdict = verdict;
    claim.reason = reason;
    claim.deviation = deviation;
    lesson->output->claim(lesson, &claim);
    return verdict;
}

wm_verdict_t wm_claim(wm_lesson_t *lesson, const char *id, const char *claim, int held)
{
    return record(lesson, id, claim, held ? WM_VERDICT_PASS : WM_VERDICT_FAIL, NULL, NULL);
}

wm_verdict_t wm_claim_or_deviation(wm_lesson_t *lesson, const char *id, const char *claim, int held,
                                   int deviation_seen, const wm_deviation_t *deviation)
{
    char reason[WM_NOTE_MAX];

    if (held) {
        return record(lesson, id, claim, WM_VERDICT_PASS, NULL, NULL);
    }
    if (!deviation_seen) {
        return record(lesson, id, claim, WM_VERDICT_FAIL, NULL, NULL);
    }
    if (!lesson->runtime.is_wine) {
        /* The deviation is recorded for Wine: seen on Windows, it is a plain failure. */
        snprintf(reason, sizeof reason, "Observed on Windows: %s", deviation->behaviour);
        return record(lesson, id, claim, WM_VERDICT_FAIL, reason, deviation->id);
    }
    snprintf(reason, sizeof reason, "Wine %s: %s", lesson->runtime.wine_version,
             deviation->behaviour);
    return record(lesson, id, claim, WM_VERDICT_DIFFERS, reason, deviation->id);
}

/* One FAIL line for a call that failed: "CALL failed: CODE TEXT". */
static void record_call_failure(wm_lesson_t *lesson, const char *call, DWORD error)
{
    char text[256];
    char claim[256];
    char reason[512];

    (void)wm_error_text(error, text, sizeof text);
    snprintf(claim, sizeof claim, "%s succeeds.", call);
    snprintf(reason, sizeof reason, "%s failed: %s", call, text);
    (void)record(lesson, NULL, claim, WM_VERDICT_FAIL, reason, NULL);
}

int wm_require(wm_lesson_t *lesson, const char *call, DWORD error)
{
    if (error == ERROR_SUCCESS) {
        return 1;
    }
    record_call_failure(lesson, call, error);
    lesson->stopped = 1;
    return 0;
}

int wm_require_win32(wm_lesson_t *lesson, const char *call, int succeeded)
{
    DWORD error = ERROR_SUCCESS;

    if (succeeded) {
        return 1;
    }
    error = GetLastError(); /* first: anything else may overwrite it */
    if (error == ERROR_SUCCESS) {
        error = ERROR_GEN_FAILURE; /* failed without saying why */
    }
    return wm_require(lesson, call, error);
}

/* ------------------------------------------------------------------------------------ */
/* The runner.                                                                          */
/* ------------------------------------------------------------------------------------ */

/* Runs the child mode named name (UTF-16 from the command line). */
static int run_child(const wm_lesson_spec_t *spec, const wchar_t *name, void *state)
{
    char narrow[64];
    size_t i = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_utf8_from_wide(name, narrow, sizeof narrow);
    if (error != ERROR_SUCCESS) {
        narrow[0] = '\0'; /* too long or not text: no child mode has such a name */
    }
    for (i = 0; i < spec->child_count; i++) {
        if (strcmp(spec->children[i].name, narrow) == 0) {
            return spec->children[i].run(state);
        }
    }
    fprintf(stderr, "%s: --child: unknown child mode '%s'\n", spec->name, narrow);
    return WM_EXIT_USAGE;
}

int wm_lesson_main(const wm_lesson_spec_t *spec, int argc, wchar_t **argv)
{
    wm_option_spec_t options[WM_LESSON_OPTIONS_MAX + 1];
    wm_options_t shared;
    wm_lesson_t lesson;
    const wchar_t *child = NULL;
    const char *problem = NULL;
    HANDLE heap = GetProcessHeap();
    void *state = NULL;
    size_t count = 0;
    size_t i = 0;
    int exit_code = WM_EXIT_OK;

    /* No crash dialogs, here or in a child mode (see wm_lesson_begin). */
    (void)SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    wm_console_init();
    if (spec->option_count > WM_LESSON_OPTIONS_MAX) {
        fprintf(stderr, "%s: too many options in the lesson's table\n", spec->name);
        return WM_EXIT_USAGE;
    }
    state = HeapAlloc(heap, HEAP_ZERO_MEMORY, spec->state_size > 0 ? spec->state_size : 1);
    if (state == NULL) {
        fprintf(stderr, "%s: out of memory\n", spec->name);
        return WM_EXIT_FAILED;
    }
    if (spec->init != NULL) {
        spec->init(state);
    }
    for (i = 0; i < spec->option_count; i++) {
        options[count].name = spec->options[i].name;
        options[count].kind = spec->options[i].kind;
        options[count].target = (char *)state + spec->options[i].offset;
        options[count].value_name = spec->options[i].value_name;
        options[count].help = spec->options[i].help;
        count++;
    }
    if (spec->child_count > 0) {
        options[count].name = L"--child";
        options[count].kind = WM_OPTION_TEXT;
        options[count].target = (void *)&child;
        options[count].value_name = "MODE";
        options[count].help = NULL; /* internal: the lesson starts copies of itself with it */
        count++;
    }

    exit_code = wm_args_handle(argc, argv, spec->name, spec->title, options, count, &shared);
    if (exit_code != WM_ARGS_CONTINUE) {
        goto done;
    }
    if (child != NULL) {
        exit_code = run_child(spec, child, state);
        goto done;
    }
    if (spec->check != NULL) {
        problem = spec->check(state);
    }
    if (problem != NULL) {
        fprintf(stderr, "%s: %s\n", spec->name, problem);
        exit_code = WM_EXIT_USAGE;
        goto done;
    }
    if (spec->unavailable != NULL) {
        problem = spec->unavailable(state);
    }
    if (problem != NULL) {
        fprintf(stderr, "%s: unavailable here: %s\n", spec->name, problem);
        exit_code = WM_EXIT_UNAVAILABLE;
        goto done;
    }

    wm_lesson_begin(&lesson, spec->name, spec->title, (unsigned)spec->step_count, &shared, NULL,
                    NULL);
    for (i = 0; i < spec->step_count; i++) {
        wm_step(&lesson, spec->steps[i].title, spec->steps[i].narration);
        spec->steps[i].run(&lesson, state);
        if (lesson.stopped) {
            wm_note(&lesson, "The lesson stops here: the steps after this one need what "
                             "failed.");
            break;
        }
    }
    exit_code = wm_lesson_end(&lesson);

done:
    (void)HeapFree(heap, 0, state);
    return exit_code;
}

/* ------------------------------------------------------------------------------------ */
/* Children and summaries.                                                              */
/* ------------------------------------------------------------------------------------ */

/* A report is one line: this marker, then the struct's bytes as hex digits. Text, so a
 * report is safe on a console and through the C runtime's text mode. */
#define WM_REPORT_MARKER "wm-report:"

DWORD wm_child_report(const void *report, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *bytes = (const unsigned char *)report;
    char pair[2];
    size_t i = 0;

    if (fputs(WM_REPORT_MARKER, stdout) < 0) {
        return ERROR_WRITE_FAULT;
    }
    for (i = 0; i < size; i++) {
        pair[0] = digits[bytes[i] >> 4];
        pair[1] = digits[bytes[i] & 0x0Fu];
        if (fwrite(pair, 1, sizeof pair, stdout) != sizeof pair) {
            return ERROR_WRITE_FAULT;
        }
    }
    if (fputs("\n", stdout) < 0 || fflush(stdout) != 0) {
        return ERROR_WRITE_FAULT;
    }
    return ERROR_SUCCESS;
}

/* The value of one hex digit, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int wm_child_report_read(const char *output, size_t length, void *report, size_t size)
{
    const size_t marker_length = sizeof WM_REPORT_MARKER - 1;
    unsigned char *bytes = (unsigned char *)report;
    const char *found = NULL;
    size_t at = 0;
    size_t i = 0;
    int high = 0;
    int low = 0;

    /* The last report wins. */
    for (at = 0; at + marker_length <= length; at++) {
        if (memcmp(output + at, WM_REPORT_MARKER, marker_length) == 0) {
            found = output + at + marker_length;
        }
    }
    if (found == NULL || (size_t)(output + length - found) < size * 2) {
        return 0;
    }
    /* Exactly size bytes: the next character must end the line. */
    if (found + size * 2 < output + length && found[size * 2] != '\n' && found[size * 2] != '\r') {
        return 0;
    }
    for (i = 0; i < size; i++) {
        high = hex_digit(found[2 * i]);
        low = hex_digit(found[2 * i + 1]);
        if (high < 0 || low < 0) {
            return 0;
        }
        bytes[i] = (unsigned char)(high * 16 + low);
    }
    return 1;
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
