/*
 * test_lesson.c - the lesson framework: verdicts, counts, exit codes, text and JSON output,
 * and the summary the tour reads.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_lesson.h"

static wm_text_buffer_t output;
static wm_lesson_t lesson;

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
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim(&lesson, "True is true.", 1), WM_VERDICT_PASS);
    assert_int_equal(wm_claim_differs(&lesson, "Not observable.", "a reason"), WM_VERDICT_DIFFERS);
    assert_int_equal(wm_lesson_end(&lesson), WM_EXIT_OK);
    assert_int_equal(lesson.passed, 1);
    assert_int_equal(lesson.differs, 1);
    assert_int_equal(lesson.failed, 0);
    assert_non_null(strstr(output.data, "summary: 1 passed, 1 differs, 0 failed"));
}

static void test_lesson_exits_1_when_a_claim_fails(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim(&lesson, "False is true.", 0), WM_VERDICT_FAIL);
    assert_int_equal(wm_lesson_end(&lesson), WM_EXIT_FAILED);
    assert_non_null(strstr(output.data, "FAIL"));
}

static void test_lesson_windows_claim_differs_only_under_wine(void **state)
{
    wm_verdict_t verdict = WM_VERDICT_PASS;

    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim_windows(&lesson, "Held.", 1, "reason"), WM_VERDICT_PASS);
    verdict = wm_claim_windows(&lesson, "Not held.", 0, "Wine does not do this.");
    /* Under Wine a known difference is 'differs'; on Windows it is a real failure. */
    if (wm_is_wine()) {
        assert_int_equal(verdict, WM_VERDICT_DIFFERS);
        assert_non_null(strstr(output.data, "Wine does not do this."));
    } else {
        assert_int_equal(verdict, WM_VERDICT_FAIL);
    }
    (void)wm_lesson_end(&lesson);
}

static void test_lesson_success_claim_names_the_error(void **state)
{
    (void)state;
    begin(0);
    wm_step(&lesson, "One", "The first step.");
    assert_int_equal(wm_claim_success(&lesson, "VirtualAlloc", ERROR_SUCCESS), WM_VERDICT_PASS);
    assert_int_equal(wm_claim_success(&lesson, "VirtualFree", ERROR_INVALID_ADDRESS),
                     WM_VERDICT_FAIL);
    (void)wm_lesson_end(&lesson);
    assert_non_null(strstr(output.data, "VirtualFree failed: 487"));
}

static void test_lesson_json_has_steps_values_claims_and_summary(void **state)
{
    const char *json = NULL;

    (void)state;
    begin(1);
    wm_step(&lesson, "One", "Narration with \"quotes\".");
    wm_value_bytes(&lesson, "page size", 4096);
    wm_value_address(&lesson, "base", 0x10000);
    wm_claim(&lesson, "Holds.", 1);
    wm_step(&lesson, "Two", "Second.");
    wm_note(&lesson, "A note %d.", 7);
    wm_claim_differs(&lesson, "Cannot be seen.", "why");
    assert_int_equal(wm_lesson_end(&lesson), WM_EXIT_OK);
    json = output.data;
    assert_true(json[0] == '{');
    assert_non_null(strstr(json, "\"demo\":\"test-lesson\""));
    assert_non_null(strstr(json, "\"runtime\":{\"os\":\"Windows\""));
    assert_non_null(strstr(json, "\"narration\":\"Narration with \\\"quotes\\\".\""));
    assert_non_null(strstr(json, "{\"name\":\"page size\",\"value\":4096,\"unit\":\"bytes\"}"));
    assert_non_null(strstr(json, "\"value\":\"0x0000000000010000\",\"unit\":\"address\""));
    assert_non_null(strstr(json, "{\"claim\":\"Holds.\",\"verdict\":\"pass\",\"reason\":null}"));
    assert_non_null(strstr(json, "\"notes\":[\"A note 7.\"]"));
    assert_non_null(strstr(json, "\"verdict\":\"differs\",\"reason\":\"why\""));
    assert_non_null(strstr(json, "\"passed\":1,\"differs\":1,\"failed\":0"));
    assert_non_null(strstr(json, "\"summary\":\"1 passed, 1 differs, 0 failed\"}"));
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
        cmocka_unit_test_setup_teardown(test_lesson_windows_claim_differs_only_under_wine, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lesson_success_claim_names_the_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lesson_json_has_steps_values_claims_and_summary, setup,
                                        teardown),
        cmocka_unit_test(test_parse_summary_reads_text_and_json_forms),
        cmocka_unit_test(test_format_bytes_picks_a_readable_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
