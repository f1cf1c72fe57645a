/*
 * check_bench_json.c - runs `bench --quick --json` and checks its output, never its timings.
 *
 *   check_bench_json PATH-TO-BENCH
 *
 * Passes (exit 0) when bench exits 0, its stdout is one well-formed JSON value (RFC 8259:
 * objects, arrays, strings with escapes, numbers, true, false, null, nothing after it but
 * white space), every variant the benchmark promises is named in it (with the three A/A
 * copies that measure its noise floor), each of the three noise floors is reported, and
 * every target or comparison has a "verdict". It asserts no number, and no verdict: timings
 * belong to the machine.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winmem.h"
#include "wm_json.h"

/* JSON nests no deeper than this in bench's output; deeper is malformed for our purpose. */
#define MAX_DEPTH 16

/* Every variant bench must report (issue 8), as it names them. */
static const char *const expected_variants[] = {
    "\"variant\":\"process heap\"",
    "\"variant\":\"private heap\"",
    "\"variant\":\"private heap, HEAP_NO_SERIALIZE\"",
    "\"variant\":\"CRT malloc\"",
    "\"variant\":\"VirtualAlloc per object\"",
    "\"variant\":\"arena (wm_arena_alloc)\"",
    "\"variant\":\"raw bump pointer\"",
    "\"pattern\":\"batch\"",
    "\"pattern\":\"steady\"",
    "\"variant\":\"HeapAlloc + HeapFree\"",
    "\"variant\":\"wm_heap_alloc + wm_heap_free\"",
    "\"variant\":\"VirtualAlloc + VirtualFree\"",
    "\"variant\":\"wm_vm_allocate + wm_vm_release\"",
    "\"variant\":\"first touch of a committed page\"",
    "\"variant\":\"re-touch a page\"",
    "\"variant\":\"first touch, commit on demand\"",
    "\"variant\":\"in-memory copy (the limit)\"",
    "\"variant\":\"one view\"",
    "\"variant\":\"sliding views\"",
    "\"variant\":\"ReadFile, 64 KiB buffer\"",
    "\"variant\":\"ReadFile, 1 MiB buffer\"",
    "\"variant\":\"raw bump pointer (A/A copy)\"",
    "\"variant\":\"HeapAlloc + HeapFree (A/A copy)\"",
    "\"variant\":\"ReadFile, 1 MiB buffer (A/A copy)\"",
};
#define EXPECTED_COUNT (sizeof expected_variants / sizeof expected_variants[0])

/* bench has two targets and two comparisons, each with a verdict, and three A/A pairs. */
#define TARGETS 4
#define NOISE_PAIRS 3

/* A cursor over the text. */
typedef struct parser_s
{
    const char *at;
    int depth;
} parser_t;

static int parse_value(parser_t *parser);

static void skip_space(parser_t *parser)
{
    while (*parser->at == ' ' || *parser->at == '\t' || *parser->at == '\r' ||
           *parser->at == '\n') {
        parser->at++;
    }
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int parse_string(parser_t *parser)
{
    const char *hex = "0123456789abcdefABCDEF";
    int i = 0;

    if (*parser->at != '"') {
        return 0;
    }
    parser->at++;
    while (*parser->at != '"') {
        if (*parser->at == '\0' || (unsigned char)*parser->at < 0x20) {
            return 0; /* unterminated, or a raw control character */
        }
        if (*parser->at == '\\') {
            parser->at++;
            if (*parser->at == 'u') {
                for (i = 1; i <= 4; i++) {
                    if (parser->at[i] == '\0' || strchr(hex, parser->at[i]) == NULL) {
                        return 0;
                    }
                }
                parser->at += 4;
            } else if (*parser->at == '\0' || strchr("\"\\/bfnrt", *parser->at) == NULL) {
                return 0;
            }
        }
        parser->at++;
    }
    parser->at++;
    return 1;
}

static int parse_number(parser_t *parser)
{
    if (*parser->at == '-') {
        parser->at++;
    }
    if (*parser->at == '0') {
        parser->at++;
    } else if (is_digit(*parser->at)) {
        while (is_digit(*parser->at)) {
            parser->at++;
        }
    } else {
        return 0;
    }
    if (*parser->at == '.') {
        parser->at++;
        if (!is_digit(*parser->at)) {
            return 0;
        }
        while (is_digit(*parser->at)) {
            parser->at++;
        }
    }
    if (*parser->at == 'e' || *parser->at == 'E') {
        parser->at++;
        if (*parser->at == '+' || *parser->at == '-') {
            parser->at++;
        }
        if (!is_digit(*parser->at)) {
            return 0;
        }
        while (is_digit(*parser->at)) {
            parser->at++;
        }
    }
    return 1;
}

static int parse_literal(parser_t *parser, const char *word)
{
    size_t length = strlen(word);

    if (strncmp(parser->at, word, length) != 0) {
        return 0;
    }
    parser->at += length;
    return 1;
}

/* An object ('{' seen) or an array ('[' seen): items separated by commas. */
static int parse_container(parser_t *parser, char close, int keyed)
{
    int ok = 1;

    parser->depth++;
    if (parser->depth > MAX_DEPTH) {
        return 0;
    }
    parser->at++;
    skip_space(parser);
    if (*parser->at == close) {
        parser->at++;
        parser->depth--;
        return 1;
    }
    for (;;) {
        skip_space(parser);
        if (keyed) {
            ok = parse_string(parser);
            skip_space(parser);
            if (!ok || *parser->at != ':') {
                return 0;
            }
            parser->at++;
        }
        ok = parse_value(parser);
        if (!ok) {
            return 0;
        }
        skip_space(parser);
        if (*parser->at == ',') {
            parser->at++;
            continue;
        }
        if (*parser->at != close) {
            return 0;
        }
        parser->at++;
        parser->depth--;
        return 1;
    }
}

static int parse_value(parser_t *parser)
{
    skip_space(parser);
    switch (*parser->at) {
    case '{':
        return parse_container(parser, '}', 1);
    case '[':
        return parse_container(parser, ']', 0);
    case '"':
        return parse_string(parser);
    case 't':
        return parse_literal(parser, "true");
    case 'f':
        return parse_literal(parser, "false");
    case 'n':
        return parse_literal(parser, "null");
    default:
        return parse_number(parser);
    }
}

/* Counts the occurrences of needle in text. */
static unsigned count_of(const char *text, const char *needle)
{
    unsigned count = 0;
    const char *at = strstr(text, needle);

    while (at != NULL) {
        count++;
        at = strstr(at + 1, needle);
    }
    return count;
}

int wmain(int argc, wchar_t **argv)
{
    wm_text_buffer_t output;
    parser_t parser;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int well_formed = 0;
    int result = 0;
    size_t i = 0;
    unsigned verdicts = 0;

    memset(&output, 0, sizeof output);
    if (argc != 2) {
        fprintf(stderr, "usage: check_bench_json PATH-TO-BENCH\n");
        return 2;
    }
    error = wm_process_run(argv[1], L"--quick --json", wm_text_buffer_write, &output, &exit_code);
    if (error != ERROR_SUCCESS) {
        fprintf(stderr, "check_bench_json: could not run %ls: error %lu\n", argv[1],
                (unsigned long)error);
        result = 1;
        goto cleanup;
    }
    if (exit_code != 0 || output.data == NULL || output.out_of_memory) {
        fprintf(stderr, "check_bench_json: bench exited with %lu (%zu bytes of output)\n",
                (unsigned long)exit_code, output.length);
        result = 1;
        goto cleanup;
    }
    parser.at = output.data;
    parser.depth = 0;
    well_formed = parse_value(&parser);
    skip_space(&parser);
    if (!well_formed || *parser.at != '\0') {
        fprintf(stderr, "check_bench_json: not well-formed JSON at byte %zu\n",
                (size_t)(parser.at - output.data));
        result = 1;
    }
    for (i = 0; i < EXPECTED_COUNT; i++) {
        if (strstr(output.data, expected_variants[i]) == NULL) {
            fprintf(stderr, "check_bench_json: missing %s\n", expected_variants[i]);
            result = 1;
        }
    }
    if (count_of(output.data, "\"floor\":") != NOISE_PAIRS) {
        fprintf(stderr, "check_bench_json: expected %u noise floors\n", NOISE_PAIRS);
        result = 1;
    }
    verdicts = count_of(output.data, "\"verdict\":\"");
    if (verdicts != TARGETS) {
        fprintf(stderr, "check_bench_json: %u target verdicts, expected %u\n", verdicts, TARGETS);
        result = 1;
    }
    if (result == 0) {
        printf("check_bench_json: well-formed, %zu variants and %u targets present\n",
               EXPECTED_COUNT, TARGETS);
    }

cleanup:
    wm_text_buffer_free(&output);
    return result;
}
