/*
 * test_lesson.c - the lesson framework: verdicts, counts, exit codes, text and JSON output,
 * and the summary the tour reads.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <stddef.h>
#include <string.h>
#include <wchar.h>

#include "wm_lesson.h"

static wm_text_buffer_t output;
static wm_lesson_t lesson;

/* A recorded deviation for the tests. */
static const wm_deviation_t test_deviation = {"test-deviation", "it does something else."};

static int setup(void **state)
{
    (void)state;
    memset(&output, 0, sizeof output);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wm_text_buffer_free(&output);
    return 0;
}

static void begin(int json)
{
    wm_options_t options;

    memset(&options, 0, sizeof options);
    options.json = json;
    options.color = WM_COLOR_NEVER;
    wm_lesson_begin(&lesson, "test-lesson", "A lesson for the tests.", 2, &options,
                    wm_text_buffer_write, &output);
}

static void test_lesson_counts_verdicts_and_exits_0_without_failures(void **state)
{
    int wine = 0;

    (void)state;
    begin(0);
    wine = lesson.runtime.is_wine;
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim(&lesson, NULL, "True is true.", 1), WM_VERDICT_PASS);
    /* A recorded (Wine) deviation, seen: differs under Wine, a failure on Windows. */
    assert_int_equal(wm_claim_or_deviation(&lesson, "t.b", "Not held.", 0, 1, &test_deviation),
                     wine ? WM_VERDICT_DIFFERS : WM_VERDICT_FAIL);
    assert_int_equal(wm_lesson_end(&lesson), wine ? WM_EXIT_OK : WM_EXIT_FAILED);
    assert_int_equal(lesson.passed, 1);
    assert_int_equal(lesson.differs, wine ? 1 : 0);
    assert_int_equal(lesson.failed, wine ? 0 : 1);
    assert_non_null(strstr(output.data, wine ? "summary: 1 passed, 1 differs, 0 failed"
                                             : "summary: 1 passed, 0 differs, 1 failed"));
}

static void test_lesson_exits_1_when_a_claim_fails(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim(&lesson, NULL, "False is true.", 0), WM_VERDICT_FAIL);
    assert_int_equal(wm_lesson_end(&lesson), WM_EXIT_FAILED);
    assert_non_null(strstr(output.data, "FAIL"));
}

static void test_require_is_silent_on_success_and_stops_the_lesson_on_failure(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_true(wm_require(&lesson, "GetSystemInfo", ERROR_SUCCESS));
    assert_null(strstr(output.data, "GetSystemInfo"));
    assert_false(lesson.stopped);
    assert_false(wm_require(&lesson, "VirtualAlloc(MEM_COMMIT)", ERROR_NOT_ENOUGH_MEMORY));
    assert_true(lesson.stopped);
    assert_int_equal(wm_lesson_end(&lesson), WM_EXIT_FAILED);
    /* One FAIL line with the call and the code; the summary counts it as a failure. */
    assert_non_null(strstr(output.data, "FAIL"));
    assert_non_null(strstr(output.data, "VirtualAlloc(MEM_COMMIT) failed: 8"));
    assert_int_equal(lesson.passed, 0);
    assert_int_equal(lesson.failed, 1);
}

static void test_require_win32_reads_the_last_error(void **state)
{
    void *nothing = NULL;

    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    nothing = VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_NOACCESS); /* size 0: error 87 */
    assert_false(wm_require_win32(&lesson, "VirtualAlloc(size 0)", nothing != NULL));
    (void)wm_lesson_end(&lesson);
    assert_non_null(strstr(output.data, "VirtualAlloc(size 0) failed: 87"));
}

static void test_claim_or_deviation_passes_whenever_the_claim_holds(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim_or_deviation(&lesson, "t.a", "Held.", 1, 1, &test_deviation),
                     WM_VERDICT_PASS);
    assert_int_equal(wm_claim_or_deviation(&lesson, "t.b", "Held.", 1, 0, &test_deviation),
                     WM_VERDICT_PASS);
    (void)wm_lesson_end(&lesson);
}

static void test_claim_or_deviation_fails_when_the_deviation_was_not_seen(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    /* Not held, and the observation is not the recorded deviation: fail, on any runtime. */
    assert_int_equal(wm_claim_or_deviation(&lesson, "t.a", "Not held.", 0, 0, &test_deviation),
                     WM_VERDICT_FAIL);
    (void)wm_lesson_end(&lesson);
    assert_null(strstr(output.data, "it does something else."));
}

static void test_claim_or_deviation_differs_only_where_the_deviation_is_recorded(void **state)
{
    wm_verdict_t verdict = WM_VERDICT_PASS;

    (void)state;
    begin(1);
    wm_step(&lesson, "One", "The first step.");
    verdict = wm_claim_or_deviation(&lesson, "t.a", "Not held.", 0, 1, &test_deviation);
    (void)wm_lesson_end(&lesson);
    /* The deviation is recorded for Wine; seen on Windows it is a failure. Either way the
     * reason names what was seen, and the JSON names the deviation's row. */
    assert_int_equal(verdict, lesson.runtime.is_wine ? WM_VERDICT_DIFFERS : WM_VERDICT_FAIL);
    assert_non_null(strstr(output.data, "it does something else."));
    assert_non_null(strstr(output.data, "\"deviation\":\"test-deviation\""));
    if (lesson.runtime.is_wine) {
        /* The version as detected at run time, never one written in the code. */
        assert_non_null(strstr(output.data, lesson.runtime.wine_version));
    }
}

static void test_child_report_is_found_among_other_output(void **state)
{
    const char text[] = "some output\r\nwm-report:0102ff10\r\nmore\n";
    const char short_report[] = "wm-report:0102\n";
    const char bad_digit[] = "wm-report:01zz\n";
    unsigned char report[4];

    (void)state;
    memset(report, 0, sizeof report);
    assert_true(wm_child_report_read(text, sizeof text - 1, report, sizeof report));
    assert_int_equal(report[0], 0x01);
    assert_int_equal(report[2], 0xff);
    assert_int_equal(report[3], 0x10);
    /* The wrong size, or a character that is not a hex digit: no report. */
    assert_false(wm_child_report_read(short_report, sizeof short_report - 1, report, 4));
    assert_false(wm_child_report_read(text, sizeof text - 1, report, 3));
    assert_false(wm_child_report_read(bad_digit, sizeof bad_digit - 1, report, 2));
    assert_false(wm_child_report_read("", 0, report, 2));
}

/* A lesson as a table, for the runner's tests: step 1 fails a requirement when told. */
typedef struct table_state_s
{
    uint64_t fail_first; /* --fail-first */
    int missing;         /* --missing: the machine lacks what the lesson needs */
    int ran_one;         /* step one ran */
} table_state_t;

/* How often step two ran: kept outside the state, which the runner frees when it ends. */
static int step_two_runs;

static void table_step_one(wm_lesson_t *lesson_in, void *context)
{
    table_state_t *table = (table_state_t *)context;

    table->ran_one = 1;
    if (!wm_require(lesson_in, "The first call", table->fail_first ? ERROR_ACCESS_DENIED : 0)) {
        return;
    }
    (void)wm_claim(lesson_in, "table.one", "Step one holds.", 1);
}

static void table_step_two(wm_lesson_t *lesson_in, void *context)
{
    table_state_t *table = (table_state_t *)context;

    step_two_runs++;
    (void)wm_claim(lesson_in, "table.two", "Step two runs after step one.", table->ran_one);
}

static int table_child(void *context)
{
    (void)context;
    return 42;
}

static const char *table_check(void *context)
{
    table_state_t *table = (table_state_t *)context;

    return table->fail_first > 1 ? "--fail-first: at most 1" : NULL;
}

static const char *table_unavailable(void *context)
{
    table_state_t *table = (table_state_t *)context;

    return table->missing ? "the test's feature is missing" : NULL;
}

static const wm_lesson_step_t table_steps[] = {
    {"One", "The first step.", table_step_one},
    {"Two", "The second step.", table_step_two},
};
static const wm_lesson_option_t table_options[] = {
    {L"--fail-first", WM_OPTION_UNSIGNED, offsetof(table_state_t, fail_first), "N", "fail"},
    {L"--missing", WM_OPTION_FLAG, offsetof(table_state_t, missing), NULL, "unavailable"},
};
static const wm_lesson_child_t table_children[] = {{"answer", table_child}};
static const wm_lesson_spec_t table_lesson = {
    "table", "A lesson as a table.", table_steps, 2,           table_options,     2, table_children,
    1,       sizeof(table_state_t),  NULL,        table_check, table_unavailable,
};

static int run_table(const wchar_t *argument)
{
    wchar_t program[] = L"table.exe";
    wchar_t copy[64];
    wchar_t *argv[3] = {program, copy, NULL};

    if (argument == NULL) {
        return wm_lesson_main(&table_lesson, 1, argv);
    }
    wcsncpy(copy, argument, sizeof copy / sizeof copy[0] - 1);
    copy[sizeof copy / sizeof copy[0] - 1] = L'\0';
    return wm_lesson_main(&table_lesson, 2, argv);
}

static void test_runner_runs_every_step_and_exits_0(void **state)
{
    (void)state;
    step_two_runs = 0;
    assert_int_equal(run_table(NULL), WM_EXIT_OK);
    assert_int_equal(step_two_runs, 1);
}

static void test_runner_stops_after_a_failed_requirement(void **state)
{
    (void)state;
    step_two_runs = 0;
    assert_int_equal(run_table(L"--fail-first=1"), WM_EXIT_FAILED);
    assert_int_equal(step_two_runs, 0); /* it would need what step one could not do */
}

static void test_runner_rejects_bad_options_and_unknown_children_with_exit_2(void **state)
{
    (void)state;
    assert_int_equal(run_table(L"--fail-first=2"), WM_EXIT_USAGE); /* the lesson's check */
    assert_int_equal(run_table(L"--no-such-option"), WM_EXIT_USAGE);
    assert_int_equal(run_table(L"--child=nope"), WM_EXIT_USAGE);
    assert_int_equal(run_table(L"--child=answer"), 42); /* the child mode's own exit code */
}

static void test_runner_exits_77_when_the_machine_lacks_what_the_lesson_needs(void **state)
{
    (void)state;
    step_two_runs = 0;
    assert_int_equal(run_table(L"--missing"), WM_EXIT_UNAVAILABLE);
    assert_int_equal(step_two_runs, 0); /* no step ran */
}

static void test_lesson_json_has_steps_values_claims_and_summary(void **state)
{
    const char *json = NULL;
    int wine = 0;

    (void)state;
    begin(1);
    wm_step(&lesson, "One", "Narration with \"quotes\".");
    wm_value_bytes(&lesson, "page size", 4096);
    wm_value_address(&lesson, "base", 0x10000);
    wm_claim(&lesson, "test.holds", "Holds.", 1);
    wm_step(&lesson, "Two", "Second.");
    wm_note(&lesson, "A note %d.", 7);
    wm_claim_or_deviation(&lesson, "test.seen", "Not held.", 0, 1, &test_deviation);
    wine = lesson.runtime.is_wine;
    assert_int_equal(wm_lesson_end(&lesson), wine ? WM_EXIT_OK : WM_EXIT_FAILED);
    json = output.data;
    assert_true(json[0] == '{');
    assert_non_null(strstr(json, "\"demo\":\"test-lesson\""));
    assert_non_null(strstr(json, "\"runtime\":{\"os\":\"Windows\""));
    assert_non_null(strstr(json, "\"narration\":\"Narration with \\\"quotes\\\".\""));
    assert_non_null(strstr(json, "{\"name\":\"page size\",\"value\":4096,\"unit\":\"bytes\"}"));
    assert_non_null(strstr(json, "\"value\":\"0x0000000000010000\",\"unit\":\"address\""));
    assert_non_null(strstr(json, "{\"id\":\"test.holds\",\"claim\":\"Holds.\",\"verdict\":"
                                 "\"pass\",\"reason\":null,\"deviation\":null}"));
    assert_non_null(strstr(json, "\"notes\":[\"A note 7.\"]"));
    assert_non_null(strstr(json, wine ? "\"verdict\":\"differs\"" : "\"verdict\":\"fail\""));
    assert_non_null(strstr(json, "it does something else.\",\"deviation\":\"test-deviation\"}"));
    assert_non_null(strstr(json, wine ? "\"passed\":1,\"differs\":1,\"failed\":0"
                                      : "\"passed\":1,\"differs\":0,\"failed\":1"));
    /* Exactly one JSON object: balanced braces outside strings are checked by its end. */
    assert_int_equal(lesson.document.depth, 0);
    assert_false(lesson.document.misused);
}

static void test_parse_summary_reads_text_and_json_forms(void **state)
{
    unsigned passed = 0;
    unsigned differs = 0;
    unsigned failed = 0;

    (void)state;
    assert_true(wm_lesson_parse_summary("x\nsummary: 12 passed, 3 differs, 1 failed\n", &passed,
                                        &differs, &failed));
    assert_int_equal(passed, 12);
    assert_int_equal(differs, 3);
    assert_int_equal(failed, 1);
    assert_true(wm_lesson_parse_summary("{\"summary\":\"4 passed, 0 differs, 0 failed\"}", &passed,
                                        &differs, &failed));
    assert_int_equal(passed, 4);
    assert_int_equal(failed, 0);
    assert_false(wm_lesson_parse_summary("no summary here", &passed, &differs, &failed));
    assert_false(wm_lesson_parse_summary("summary: garbled", &passed, &differs, &failed));
    assert_false(wm_lesson_parse_summary(NULL, &passed, &differs, &failed));
}

static void test_format_bytes_picks_a_readable_unit(void **state)
{
    char text[32];

    (void)state;
    wm_format_bytes(0, text, sizeof text);
    assert_string_equal(text, "0 bytes");
    wm_format_bytes(1023, text, sizeof text);
    assert_string_equal(text, "1023 bytes");
    wm_format_bytes(65536, text, sizeof text);
    assert_string_equal(text, "64 KiB");
    wm_format_bytes(1536ull * 1024 * 1024, text, sizeof text);
    assert_string_equal(text, "1.5 GiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lesson_counts_verdicts_and_exits_0_without_failures,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lesson_exits_1_when_a_claim_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_require_is_silent_on_success_and_stops_the_lesson_on_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_require_win32_reads_the_last_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_or_deviation_passes_whenever_the_claim_holds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_claim_or_deviation_fails_when_the_deviation_was_not_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_claim_or_deviation_differs_only_where_the_deviation_is_recorded, setup, teardown),
        cmocka_unit_test(test_child_report_is_found_among_other_output),
        cmocka_unit_test(test_runner_runs_every_step_and_exits_0),
        cmocka_unit_test(test_runner_stops_after_a_failed_requirement),
        cmocka_unit_test(test_runner_rejects_bad_options_and_unknown_children_with_exit_2),
        cmocka_unit_test(test_runner_exits_77_when_the_machine_lacks_what_the_lesson_needs),
        cmocka_unit_test_setup_teardown(test_lesson_json_has_steps_values_claims_and_summary, setup,
                                        teardown),
        cmocka_unit_test(test_parse_summary_reads_text_and_json_forms),
        cmocka_unit_test(test_format_bytes_picks_a_readable_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
