/*
 * check_bench_json.c - runs `bench --quick --json` and checks its output, never its timings.
 *
 *   check_bench_json PATH-TO-BENCH
 *
 * Passes (exit 0) when bench exits 0, its stdout is one well-formed JSON value (RFC 8259,
 * checked by the library's reader, wm_json_read.h: nothing after it but white space, nested
 * at most WM_JSON_MAX_DEPTH deep), every variant the benchmark promises is named in it (with
 * the three A/A copies that measure its noise floor), each of the three noise floors is
 * reported, and every target or comparison has a "verdict". It asserts no number, and no
 * verdict: timings belong to the machine.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winmem.h"
#include "wm_json.h"
#include "wm_json_read.h"

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
    wm_json_reader_t reader;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
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
    /* The shared reader checks the whole value (wm_json_skip_value) and that nothing but
     * white space follows it. */
    wm_json_reader_init(&reader, output.data, output.length);
    error = wm_json_skip_value(&reader);
    if (error == ERROR_SUCCESS) {
        error = wm_json_read_end(&reader);
    }
    if (error != ERROR_SUCCESS) {
        fprintf(stderr, "check_bench_json: not well-formed JSON at byte %zu: error %lu\n",
                reader.position, (unsigned long)error);
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
