/*
 * check_claims.c - every claim a lesson prints has its row of evidence.
 *
 *   check_claims PAGE DEVIATIONS SOURCE LESSON.exe|OUTPUT.json
 *
 * Runs the lesson with --json (or reads a saved output), then checks:
 *   - every claim it printed has an id (a failed requirement, which is not a claim, has none);
 *   - every id has a row in PAGE's "Claims and evidence" table (`id` in the first cell)
 *     whose evidence cell is not empty;
 *   - every deviation a claim named has a row in DEVIATIONS (`id` in the first cell);
 *   - every row of PAGE's table names an id that SOURCE still uses (no stale rows).
 * One line on stderr per problem; exit 0 when there is none, 1 otherwise, 2 on bad usage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "wm_json.h"
#include "wm_process.h"

/* The heading the table follows, and the longest id. */
#define TABLE_HEADING "## Claims and evidence"
#define ID_MAX 96

/* Reads a whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *read_whole(const wchar_t *path)
{
    FILE *stream = NULL;
    char *bytes = NULL;
    long size = -1;
    size_t got = 0;

    stream = _wfopen(path, L"rb");
    if (stream == NULL) {
        return NULL;
    }
    if (fseek(stream, 0, SEEK_END) == 0) {
        size = ftell(stream);
    }
    if (size >= 0 && fseek(stream, 0, SEEK_SET) == 0) {
        bytes = (char *)malloc((size_t)size + 1);
    }
    if (bytes != NULL) {
        got = fread(bytes, 1, (size_t)size, stream);
        bytes[got] = '\0';
    }
    fclose(stream);
    return bytes;
}

/* Ends with suffix? */
static int ends_with(const wchar_t *text, const wchar_t *suffix)
{
    size_t length = wcslen(text);
    size_t suffix_length = wcslen(suffix);

    return length >= suffix_length && wcscmp(text + length - suffix_length, suffix) == 0;
}

/* The lesson's JSON output: run it, or read a saved file. NULL on failure. */
static char *lesson_output(const wchar_t *lesson)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    if (ends_with(lesson, L".json")) {
        return read_whole(lesson);
    }
    memset(&output, 0, sizeof output);
    error = wm_process_run(lesson, L"--json", wm_text_buffer_write, &output, &exit_code);
    if (error != ERROR_SUCCESS || output.out_of_memory) {
        fprintf(stderr, "check_claims: running %ls failed: error %lu\n", lesson,
                (unsigned long)error);
        wm_text_buffer_free(&output);
        return NULL;
    }
    return output.data; /* malloc'd by the buffer: the caller frees it */
}

/* Copies the JSON string value that starts at text (after its opening quote) into id. */
static void copy_string_value(const char *text, char *id, size_t capacity)
{
    size_t length = 0;

    while (text[length] != '\0' && text[length] != '"' && length + 1 < capacity) {
        length++;
    }
    memcpy(id, text, length);
    id[length] = '\0';
}

/* Cuts page down to its "Claims and evidence" section, in place: from the heading to the
 * next heading of the same level. Returns the section, or NULL if there is none. */
static char *claims_section(char *page)
{
    char *section = strstr(page, TABLE_HEADING);
    char *next = NULL;

    if (section == NULL) {
        return NULL;
    }
    next = strstr(section + 1, "\n## ");
    if (next != NULL) {
        *next = '\0';
    }
    return section;
}

/* The table row of text whose first cell is `id`, or NULL. */
static const char *find_row(const char *text, const char *id)
{
    char cell[ID_MAX + 8];

    snprintf(cell, sizeof cell, "\n| `%s` |", id);
    return strstr(text, cell);
}

/* Does the row's evidence cell (the third) hold more than spaces? */
static int row_has_evidence(const char *row)
{
    const char *cell = row + 1; /* past the newline */
    int bars = 0;

    while (*cell != '\0' && *cell != '\n' && bars < 3) {
        bars += *cell == '|';
        cell++;
    }
    while (*cell == ' ') {
        cell++;
    }
    return bars == 3 && *cell != '|' && *cell != '\n' && *cell != '\0';
}

/* Checks every "key":"value" of the output against page: returns the problems found. */
static unsigned check_output(const char *output, const char *page, const char *deviations,
                             const wchar_t *page_path, const wchar_t *deviations_path)
{
    const char *at = output;
    char id[ID_MAX];
    const char *row = NULL;
    unsigned problems = 0;
    unsigned claims = 0;

    while ((at = strstr(at, "{\"id\":")) != NULL) {
        at += strlen("{\"id\":");
        claims++;
        if (strncmp(at, "null", 4) == 0) {
            /* A failed requirement has no id; it failed the lesson already. A claim that
             * passed or differs must have one. */
            if (strstr(at, "\"verdict\":\"fail\"") != strstr(at, "\"verdict\":")) {
                fprintf(stderr, "check_claims: a claim without an id: %.80s\n", at);
                problems++;
            }
            continue;
        }
        copy_string_value(at + 1, id, sizeof id);
        row = find_row(page, id);
        if (row == NULL) {
            fprintf(stderr, "%ls: no row for claim `%s` under \"%s\"\n", page_path, id,
                    TABLE_HEADING);
            problems++;
        } else if (!row_has_evidence(row)) {
            fprintf(stderr, "%ls: claim `%s` has no evidence\n", page_path, id);
            problems++;
        }
    }
    at = output;
    while ((at = strstr(at, "\"deviation\":\"")) != NULL) {
        at += strlen("\"deviation\":\"");
        copy_string_value(at, id, sizeof id);
        if (find_row(deviations, id) == NULL) {
            fprintf(stderr, "%ls: no row for deviation `%s`\n", deviations_path, id);
            problems++;
        }
    }
    if (claims == 0) {
        fprintf(stderr, "check_claims: the lesson printed no claim\n");
        problems++;
    }
    printf("check_claims: %u claims read\n", claims);
    return problems;
}

/* Every row of the table must name an id the source still uses. */
static unsigned check_rows(const char *table, const char *source, const wchar_t *page_path)
{
    const char *row = table;
    char id[ID_MAX];
    char quoted[ID_MAX + 2];
    unsigned problems = 0;
    unsigned rows = 0;

    while ((row = strstr(row, "\n| `")) != NULL) {
        row += strlen("\n| `");
        copy_string_value(row, id, sizeof id);
        id[strcspn(id, "`")] = '\0';
        rows++;
        snprintf(quoted, sizeof quoted, "\"%s\"", id);
        if (strstr(source, quoted) == NULL) {
            fprintf(stderr, "%ls: row `%s` names a claim the lesson no longer makes\n", page_path,
                    id);
            problems++;
        }
    }
    printf("check_claims: %u rows of evidence\n", rows);
    return problems;
}

int wmain(int argc, wchar_t **argv)
{
    char *page = NULL;
    char *deviations = NULL;
    char *source = NULL;
    char *output = NULL;
    const char *table = NULL;
    unsigned problems = 0;

    if (argc != 5) {
        fprintf(stderr, "usage: check_claims PAGE DEVIATIONS SOURCE LESSON.exe|OUTPUT.json\n");
        return 2;
    }
    page = read_whole(argv[1]);
    deviations = read_whole(argv[2]);
    source = read_whole(argv[3]);
    if (page == NULL || deviations == NULL || source == NULL) {
        fprintf(stderr, "check_claims: cannot read %ls, %ls or %ls\n", argv[1], argv[2], argv[3]);
        return 2;
    }
    table = claims_section(page);
    if (table == NULL) {
        fprintf(stderr, "%ls: no \"%s\" section\n", argv[1], TABLE_HEADING);
        return 1;
    }
    output = lesson_output(argv[4]);
    if (output == NULL) {
        problems++;
    } else {
        problems += check_output(output, table, deviations, argv[1], argv[2]);
    }
    problems += check_rows(table, source, argv[1]);
    free(output);
    free(source);
    free(deviations);
    free(page);
    if (problems != 0) {
        fprintf(stderr, "check_claims: %u problem(s)\n", problems);
        return 1;
    }
    return 0;
}
