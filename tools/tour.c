/*
 * tour.c - the guided tour: every lesson, in course order, each as a child process.
 *
 * What you will see when you run it: a heading per lesson, the lesson's own output, and
 * at the end a table with each lesson's claims (passed / differs / failed) and how long
 * it took. Each lesson runs as its own process, so one lesson's crash cannot take the
 * tour down, and each starts with a fresh address space.
 *
 * Run:  tour [--list] [--only NAME] [--json] [--color=...] [--pause]
 * Docs: README.md ("The lessons") and docs/index.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_json.h"
#include "wm_lesson.h"

#define DEMO_NAME "tour"
#define DEMO_TITLE "Runs every winmem lesson in course order and tabulates the verdicts."

/* One lesson of the course. */
typedef struct tour_lesson_s
{
    const char *name;       /* the demo's name, as typed after --only */
    const wchar_t *program; /* its .exe, next to tour.exe */
    const char *docs;       /* its page, relative to the repository root */
    const char *summary;    /* one line */
} tour_lesson_t;

/* The course, in order. A new lesson is added here and in demos/CMakeLists.txt. */
static const tour_lesson_t course[] = {
    {"virtual-memory", L"virtual-memory.exe", "docs/virtual-memory.md",
     "each process has its own private address space; virtual is not physical"},
    {"heap", L"heap.exe", "docs/heap.md",
     "heaps carve pages into blocks: headers, free lists, fragmentation, corruption, cost"},
    {"virtual-alloc", L"virtual-alloc.exe", "docs/virtual-alloc.md",
     "reserve, commit, decommit, release; commit on demand; write watch; arena; ring buffer"},
    {"protection", L"protection.exe", "docs/protection.md",
     "page protections, VirtualProtect, guard pages, DEP and W^X, fenced blocks, stacks"},
    {"mapped-files", L"mapped-files.exe", "docs/mapped-files.md",
     "a file's bytes as memory: views, granularity, copy-on-write, sparse files, throughput"},
    {"shared-memory", L"shared-memory.exe", "docs/shared-memory.md",
     "one section, two processes: owner-only names, a torn-message-proof channel, SEC_RESERVE"},
    {"diagnostics", L"diagnostics.exe", "docs/diagnostics.md",
     "counters, the address-space map (VMMap's types), leak diffs, job limits, the tool guide"},
    {"best-practices", L"best-practices.exe", "docs/best-practices.md",
     "each rule as a do / don't pair with its measured consequence; measure, never guess"},
};

#define COURSE_LENGTH (sizeof course / sizeof course[0])

/* What one lesson's run produced. */
typedef struct tour_result_s
{
    DWORD run_error; /* 0, or why the lesson could not be started */
    DWORD exit_code; /* the lesson's exit code */
    unsigned passed; /* its summary, if it printed one */
    unsigned differs;
    unsigned failed;
    int has_summary; /* 1 if a summary was found in its output */
    double seconds;  /* wall-clock time, start to exit */
} tour_result_t;

/* Where a lesson's output goes while it runs: echoed (text) and kept (for the summary). */
typedef struct tour_capture_s
{
    int echo;              /* copy to our stdout as it arrives */
    wm_text_buffer_t kept; /* everything it printed */
} tour_capture_t;

/* The command line. */
typedef struct tour_config_s
{
    int list;            /* --list */
    const wchar_t *only; /* --only NAME, or NULL */
} tour_config_t;

static void on_lesson_output(void *context, const char *bytes, size_t length)
{
    tour_capture_t *capture = (tour_capture_t *)context;

    if (capture->echo) {
        fwrite(bytes, 1, length, stdout);
        fflush(stdout);
    }
    wm_text_buffer_write(&capture->kept, bytes, length);
}

static double seconds_since(LARGE_INTEGER start)
{
    LARGE_INTEGER now;
    LARGE_INTEGER frequency;

    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&frequency); /* never fails on Windows XP and later */
    return (double)(now.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

/* Runs one lesson with the arguments given; fills result and keeps its output. */
static void run_lesson(const tour_lesson_t *lesson, const wchar_t *arguments,
                       tour_capture_t *capture, tour_result_t *result)
{
    wchar_t program[MAX_PATH];
    LARGE_INTEGER start;

    memset(result, 0, sizeof *result);
    QueryPerformanceCounter(&start);
    result->run_error = wm_process_sibling_path(lesson->program, program, MAX_PATH);
    if (result->run_error == ERROR_SUCCESS) {
        result->run_error =
            wm_process_run(program, arguments, on_lesson_output, capture, &result->exit_code);
    }
    result->seconds = seconds_since(start);
    if (capture->kept.data != NULL) {
        result->has_summary = wm_lesson_parse_summary(capture->kept.data, &result->passed,
                                                      &result->differs, &result->failed);
    }
}

static void print_list(void)
{
    size_t i = 0;

    for (i = 0; i < COURSE_LENGTH; i++) {
        printf("%zu. %-20s %s\n   %-20s %s\n", i + 1, course[i].name, course[i].summary, "",
               course[i].docs);
    }
}

/* Prints, on stderr, each claim that failed in a lesson's output (text or JSON) and why a
 * lesson could not run: a log that shows only "failed" names its cause this way. */
static void print_failures(const tour_lesson_t *lesson, const tour_result_t *result,
                           const tour_capture_t *capture)
{
    const char *text = capture->kept.data;
    const char *at = text;
    const char *start = NULL;
    const char *end = NULL;

    if (result->run_error != ERROR_SUCCESS) {
        fprintf(stderr, "tour: %s could not run to its end: error %lu\n", lesson->name,
                (unsigned long)result->run_error);
    }
    if (text == NULL) {
        return;
    }
    /* JSON: each claim object whose verdict is "fail". */
    while ((at = strstr(at, "\"verdict\":\"fail\"")) != NULL) {
        start = at;
        while (start > text && *start != '{') {
            start--;
        }
        end = strchr(at, '}');
        fprintf(stderr, "tour: %s: %.*s\n", lesson->name,
                (int)(end == NULL ? strlen(start) : (size_t)(end - start + 1)), start);
        at++;
    }
    /* Text: each "  FAIL" line and the reason under it. */
    at = text;
    while ((at = strstr(at, "  FAIL   ")) != NULL) {
        end = strstr(at, "\n  ");
        fprintf(stderr, "tour: %s: %.*s\n", lesson->name,
                (int)(end == NULL ? strlen(at) : (size_t)(end - at)), at);
        at++;
    }
}

/* The lesson's status word for the table. */
static const char *status_of(const tour_result_t *result)
{
    if (result->run_error != ERROR_SUCCESS) {
        return "not run";
    }
    if (result->exit_code == WM_EXIT_UNAVAILABLE) {
        return "unavailable";
    }
    if (result->exit_code != WM_EXIT_OK || !result->has_summary) {
        return "FAILED";
    }
    return "ok";
}

static int lesson_failed(const tour_result_t *result)
{
    return result->run_error != ERROR_SUCCESS ||
           (result->exit_code != WM_EXIT_OK && result->exit_code != WM_EXIT_UNAVAILABLE) ||
           (result->exit_code == WM_EXIT_OK && !result->has_summary);
}

static void print_table(const tour_lesson_t *const *ran, const tour_result_t *results, size_t count)
{
    size_t i = 0;
    unsigned passed = 0;
    unsigned differs = 0;
    unsigned failed = 0;
    double seconds = 0.0;

    printf("\n%-20s %7s %8s %7s %8s  %s\n", "lesson", "passed", "differs", "failed", "time",
           "status");
    for (i = 0; i < count; i++) {
        printf("%-20s %7u %8u %7u %6.2f s  %s\n", ran[i]->name, results[i].passed,
               results[i].differs, results[i].failed, results[i].seconds, status_of(&results[i]));
        passed += results[i].passed;
        differs += results[i].differs;
        failed += results[i].failed;
        seconds += results[i].seconds;
    }
    printf("%-20s %7u %8u %7u %6.2f s\n", "total", passed, differs, failed, seconds);
}

static void write_stdout(void *context, const char *bytes, size_t length)
{
    (void)context;
    fwrite(bytes, 1, length, stdout);
}

/* Length of text without trailing spaces and line ends. */
static size_t trimmed_length(const char *text, size_t length)
{
    while (length > 0 &&
           (text[length - 1] == '\n' || text[length - 1] == '\r' || text[length - 1] == ' ')) {
        length--;
    }
    return length;
}

/* The tour's --json document: each lesson's own JSON object embedded under "result". */
static void write_json(const tour_lesson_t *const *ran, const tour_result_t *results,
                       const tour_capture_t *captures, size_t count)
{
    wm_json_t json;
    wm_runtime_t runtime;
    size_t i = 0;
    size_t length = 0;
    DWORD error = ERROR_SUCCESS;
    const char *output = NULL;

    error = wm_runtime_query(&runtime);
    if (error != ERROR_SUCCESS) {
        memset(&runtime, 0, sizeof runtime);
    }
    wm_json_init(&json, write_stdout, NULL);
    wm_json_object_begin(&json);
    wm_json_key(&json, "demo");
    wm_json_string(&json, DEMO_NAME);
    wm_json_key(&json, "wine");
    wm_json_string(&json, runtime.is_wine ? runtime.wine_version : NULL);
    wm_json_key(&json, "lessons");
    wm_json_array_begin(&json);
    for (i = 0; i < count; i++) {
        wm_json_object_begin(&json);
        wm_json_key(&json, "name");
        wm_json_string(&json, ran[i]->name);
        wm_json_key(&json, "status");
        wm_json_string(&json, status_of(&results[i]));
        wm_json_key(&json, "exit_code");
        wm_json_unsigned(&json, results[i].exit_code);
        wm_json_key(&json, "milliseconds");
        wm_json_unsigned(&json, (uint64_t)(results[i].seconds * 1000.0));
        wm_json_key(&json, "passed");
        wm_json_unsigned(&json, results[i].passed);
        wm_json_key(&json, "differs");
        wm_json_unsigned(&json, results[i].differs);
        wm_json_key(&json, "failed");
        wm_json_unsigned(&json, results[i].failed);
        wm_json_key(&json, "result");
        output = captures[i].kept.data;
        length = output == NULL ? 0 : trimmed_length(output, captures[i].kept.length);
        /* Embed the lesson's document only if it looks like one (it starts with '{'). */
        if (length > 0 && output[0] == '{' && output[length - 1] == '}') {
            wm_json_raw(&json, output, length);
        } else {
            wm_json_null(&json);
        }
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_object_end(&json);
    printf("\n");
}

/* Picks the lessons to run: all of them, or the one --only names. Returns how many, or
 * 0 when --only names no lesson. */
static size_t choose_lessons(const tour_config_t *config, const tour_lesson_t **chosen)
{
    size_t i = 0;
    size_t count = 0;
    char only[64];
    DWORD error = ERROR_SUCCESS;

    if (config->only == NULL) {
        for (i = 0; i < COURSE_LENGTH; i++) {
            chosen[count++] = &course[i];
        }
        return count;
    }
    error = wm_utf8_from_wide(config->only, only, sizeof only);
    if (error != ERROR_SUCCESS) {
        return 0;
    }
    for (i = 0; i < COURSE_LENGTH; i++) {
        if (strcmp(course[i].name, only) == 0) {
            chosen[count++] = &course[i];
        }
    }
    return count;
}

/* The arguments each lesson gets: --json, or the colour we decided on, and --pause. */
static void lesson_arguments(const wm_options_t *options, int color, wchar_t *arguments,
                             size_t capacity)
{
    const wchar_t *format = options->json ? L"--json" : L"--color=never";

    if (!options->json && color) {
        format = L"--color=always"; /* the child writes into our pipe, not a console */
    }
    swprintf(arguments, capacity, L"%ls%ls", format, options->pause ? L" --pause" : L"");
}

int wmain(int argc, wchar_t **argv)
{
    tour_config_t config;
    wm_options_t options;
    const tour_lesson_t *chosen[COURSE_LENGTH];
    tour_result_t results[COURSE_LENGTH];
    tour_capture_t captures[COURSE_LENGTH];
    wchar_t arguments[64];
    const wm_option_spec_t extra[] = {
        {L"--list", WM_OPTION_FLAG, &config.list, NULL, "list the lessons and their docs pages"},
        {L"--only", WM_OPTION_TEXT, &config.only, "NAME", "run only the lesson NAME"},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    size_t count = 0;
    size_t i = 0;
    int color = 0;
    int handled = 0;
    int exit_code = WM_EXIT_OK;

    memset(&config, 0, sizeof config);
    memset(captures, 0, sizeof captures);
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.list) {
        print_list();
        return WM_EXIT_OK;
    }
    count = choose_lessons(&config, chosen);
    if (count == 0) {
        fprintf(stderr, "%s: --only: no lesson by that name (try --list)\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    color = !options.json && wm_console_use_color(options.color);
    lesson_arguments(&options, color, arguments, sizeof arguments / sizeof arguments[0]);

    for (i = 0; i < count; i++) {
        if (!options.json) {
            printf("\n%s== Lesson %zu of %zu: %s ==%s\n\n", color ? WM_ANSI_BOLD : "", i + 1, count,
                   chosen[i]->name, color ? WM_ANSI_RESET : "");
            fflush(stdout);
        }
        captures[i].echo = !options.json;
        run_lesson(chosen[i], arguments, &captures[i], &results[i]);
        if (lesson_failed(&results[i])) {
            exit_code = WM_EXIT_FAILED;
            print_failures(chosen[i], &results[i], &captures[i]);
        }
    }

    if (options.json) {
        write_json(chosen, results, captures, count);
    } else {
        print_table(chosen, results, count);
    }
    for (i = 0; i < count; i++) {
        wm_text_buffer_free(&captures[i].kept);
    }
    return exit_code;
}
