/*
 * check_doc_quotes.c - fails when a lesson page's quoted source lines no longer match the file.
 *
 *   check_doc_quotes ROOT PAGE...
 *
 * The quoting convention (docs/README.md, "How the pages quote the code"): an HTML comment
 * naming the file and the line range, on its own line, then a fenced code block holding
 * exactly those lines:
 *
 *   <!-- quote: demos/heap.c#L215-L230 -->
 *   ```c
 *   ...lines 215 to 230 of demos/heap.c, unchanged...
 *   ```
 *
 * Every Markdown page in ROOT/docs is checked; each PAGE named (such as docs/heap.md) must also
 * hold at least one quote. Links to a line that name code, [`show_the_machine`](../demos/
 * virtual-memory.c#L71), are checked too: that line of the file must contain the name, so a
 * link cannot silently point at the wrong line after the code moves. Line endings are compared
 * without their CR, so a checkout with CRLF passes too. Exit 0 when every quote matches, 1
 * otherwise (each mismatch named on stderr), 2 on a bad command line.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

/* The marker that starts a quote, and the longest path it may name. */
#define QUOTE_MARKER "<!-- quote: "
#define QUOTE_PATH_MAX 260

/* A file read whole, split into lines in place. */
typedef struct text_file_s
{
    char *bytes;  /* the file, NUL-terminated; each line's end replaced by NUL */
    char **lines; /* lines[0] is line 1 */
    size_t count; /* lines */
} text_file_t;

/* Reads path (UTF-8 or ASCII bytes) and splits it into lines. Returns 0 on failure. */
static int text_read(const wchar_t *path, text_file_t *text)
{
    FILE *stream = NULL;
    long size = 0;
    size_t got = 0;
    size_t i = 0;
    size_t line = 0;
    int ok = 0;

    memset(text, 0, sizeof *text);
    stream = _wfopen(path, L"rb");
    if (stream == NULL) {
        return 0;
    }
    if (fseek(stream, 0, SEEK_END) == 0) {
        size = ftell(stream);
    }
    if (size >= 0 && fseek(stream, 0, SEEK_SET) == 0) {
        text->bytes = (char *)malloc((size_t)size + 1);
    }
    if (text->bytes != NULL) {
        got = fread(text->bytes, 1, (size_t)size, stream);
        text->bytes[got] = '\0';
        text->lines = (char **)calloc(got + 2, sizeof *text->lines);
        ok = got == (size_t)size && text->lines != NULL;
    }
    fclose(stream);
    if (!ok) {
        return 0;
    }
    text->lines[0] = text->bytes;
    for (i = 0; i < got; i++) {
        if (text->bytes[i] != '\n') {
            continue;
        }
        text->bytes[i] = '\0';
        if (i > 0 && text->bytes[i - 1] == '\r') {
            text->bytes[i - 1] = '\0';
        }
        line++;
        text->lines[line] = text->bytes + i + 1;
    }
    /* A final line break ends the last line; it does not start an empty one. */
    text->count = got > 0 && text->bytes[got - 1] == '\0' ? line : line + 1;
    if (got > 0 && text->bytes[got - 1] == '\r') {
        text->bytes[got - 1] = '\0';
    }
    return 1;
}

static void text_free(text_file_t *text)
{
    free(text->lines);
    free(text->bytes);
    memset(text, 0, sizeof *text);
}

/* Parses "PATH#La-Lb -->" after the marker. Returns 1 and fills the fields if well formed. */
static int parse_quote(const char *after_marker, char *path, unsigned long *first,
                       unsigned long *last)
{
    const char *hash = strchr(after_marker, '#');
    size_t length = 0;
    int fields = 0;
    char tail[8];

    if (hash == NULL) {
        return 0;
    }
    length = (size_t)(hash - after_marker);
    if (length == 0 || length >= QUOTE_PATH_MAX) {
        return 0;
    }
    memcpy(path, after_marker, length);
    path[length] = '\0';
    fields = sscanf(hash, "#L%lu-L%lu %7s", first, last, tail);
    return fields == 3 && strcmp(tail, "-->") == 0 && *first >= 1 && *last >= *first;
}

/* Copies an ASCII path (the quote markers name repository paths) into a wide string. */
static void widen(const char *path, wchar_t *wide)
{
    size_t i = 0;

    for (i = 0; path[i] != '\0'; i++) {
        wide[i] = (wchar_t)(unsigned char)path[i];
    }
    wide[i] = L'\0';
}

/* Longest code name a link may carry. */
#define LINK_NAME_MAX 128

/* Checks each link of the form [`NAME`](../PATH#Ln...) (or [`NAME()`]) on one line of a page:
 * line n of ROOT/PATH must contain NAME. Adds mismatches to *failures. */
static void check_links(const wchar_t *root, const wchar_t *page, size_t line_number,
                        const char *line, unsigned *failures)
{
    const char *at = line;
    const char *name = NULL;
    const char *after = NULL;
    const char *hash = NULL;
    const char *close = NULL;
    char name_copy[LINK_NAME_MAX];
    char path[QUOTE_PATH_MAX];
    wchar_t wide_path[QUOTE_PATH_MAX];
    wchar_t source_path[MAX_PATH];
    text_file_t source;
    unsigned long target = 0;
    size_t length = 0;

    for (;;) {
        at = strstr(at, "[`");
        if (at == NULL) {
            return;
        }
        name = at + 2;
        after = name;
        while (isalnum((unsigned char)*after) || *after == '_') {
            after++;
        }
        at = after;
        length = (size_t)(after - name);
        if (length == 0 || length >= LINK_NAME_MAX) {
            continue;
        }
        if (after[0] == '(' && after[1] == ')') {
            after += 2;
        }
        if (strncmp(after, "`](../", 6) != 0) {
            continue;
        }
        after += 6;
        hash = strchr(after, '#');
        close = strchr(after, ')');
        if (hash == NULL || close == NULL || hash > close || hash[1] != 'L' ||
            (size_t)(hash - after) >= QUOTE_PATH_MAX) {
            continue; /* a link to a whole file, or not to a line */
        }
        memcpy(name_copy, name, length);
        name_copy[length] = '\0';
        memcpy(path, after, (size_t)(hash - after));
        path[hash - after] = '\0';
        target = strtoul(hash + 2, NULL, 10);
        widen(path, wide_path);
        swprintf(source_path, MAX_PATH, L"%ls/%ls", root, wide_path);
        if (!text_read(source_path, &source)) {
            fprintf(stderr, "%ls:%zu: link to %s, which cannot be read\n", page, line_number, path);
            (*failures)++;
            continue;
        }
        if (target == 0 || target > source.count ||
            strstr(source.lines[target - 1], name_copy) == NULL) {
            fprintf(stderr, "%ls:%zu: link [%s] points at %s line %lu, which does not name it\n",
                    page, line_number, name_copy, path, target);
            (*failures)++;
        }
        text_free(&source);
    }
}

/* Checks one page; returns the number of quotes found, and adds mismatches to *failures. */
static unsigned check_page(const wchar_t *root, const wchar_t *page, unsigned *failures)
{
    text_file_t doc;
    text_file_t source;
    wchar_t doc_path[MAX_PATH];
    wchar_t source_path[MAX_PATH];
    char path[QUOTE_PATH_MAX];
    wchar_t wide_path[QUOTE_PATH_MAX];
    unsigned long first = 0;
    unsigned long last = 0;
    unsigned long n = 0;
    size_t line = 0;
    size_t at = 0;
    unsigned quotes = 0;
    int same = 0;

    swprintf(doc_path, MAX_PATH, L"%ls/%ls", root, page);
    if (!text_read(doc_path, &doc)) {
        fprintf(stderr, "check_doc_quotes: cannot read %ls\n", doc_path);
        (*failures)++;
        return 0;
    }
    for (line = 0; line < doc.count; line++) {
        check_links(root, page, line + 1, doc.lines[line], failures);
        if (strncmp(doc.lines[line], QUOTE_MARKER, strlen(QUOTE_MARKER)) != 0) {
            continue;
        }
        quotes++;
        if (!parse_quote(doc.lines[line] + strlen(QUOTE_MARKER), path, &first, &last)) {
            fprintf(stderr, "%ls:%zu: malformed quote marker\n", page, line + 1);
            (*failures)++;
            continue;
        }
        if (line + 1 >= doc.count || strncmp(doc.lines[line + 1], "```", 3) != 0) {
            fprintf(stderr, "%ls:%zu: a quote marker must be followed by a fenced block\n", page,
                    line + 1);
            (*failures)++;
            continue;
        }
        widen(path, wide_path);
        swprintf(source_path, MAX_PATH, L"%ls/%ls", root, wide_path);
        if (!text_read(source_path, &source)) {
            fprintf(stderr, "%ls:%zu: cannot read %s\n", page, line + 1, path);
            (*failures)++;
            continue;
        }
        same = last <= source.count;
        at = line + 2;
        for (n = first; same && n <= last; n++, at++) {
            same = at < doc.count && strcmp(doc.lines[at], source.lines[n - 1]) == 0;
        }
        same = same && at < doc.count && strcmp(doc.lines[at], "```") == 0;
        if (!same) {
            fprintf(stderr, "%ls:%zu: the quote of %s lines %lu-%lu no longer matches the file\n",
                    page, line + 1, path, first, last);
            (*failures)++;
        }
        text_free(&source);
    }
    text_free(&doc);
    return quotes;
}

int wmain(int argc, wchar_t **argv)
{
    wchar_t pattern[MAX_PATH];
    wchar_t page[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE search = INVALID_HANDLE_VALUE;
    unsigned failures = 0;
    unsigned quotes = 0;
    unsigned total = 0;
    int i = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: check_doc_quotes ROOT [PAGE...]\n");
        return 2;
    }
    swprintf(pattern, MAX_PATH, L"%ls/docs/*.md", argv[1]);
    search = FindFirstFileW(pattern, &found);
    if (search == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "check_doc_quotes: no pages match %ls\n", pattern);
        return 1;
    }
    do {
        swprintf(page, MAX_PATH, L"docs/%ls", found.cFileName);
        total += check_page(argv[1], page, &failures);
    } while (FindNextFileW(search, &found));
    if (!FindClose(search)) {
        fprintf(stderr, "check_doc_quotes: FindClose failed\n");
        failures++;
    }
    for (i = 2; i < argc; i++) {
        quotes = check_page(argv[1], argv[i], &failures);
        if (quotes == 0) {
            fprintf(stderr, "%ls: holds no quote; each lesson page quotes its key lines\n",
                    argv[i]);
            failures++;
        }
    }
    if (failures != 0) {
        fprintf(stderr, "check_doc_quotes: %u problem(s)\n", failures);
        return 1;
    }
    printf("check_doc_quotes: %u quotes match their files\n", total);
    return 0;
}
