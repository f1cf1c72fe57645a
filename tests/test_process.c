/*
 * test_process.c - running a child process and collecting its output.
 *
 * The child is helper_child.exe, built next to this test.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <stdlib.h>
#include <string.h>

#include "winmem.h"
#include "wm_json.h"
#include "wm_os.h"

static wchar_t child_path[MAX_PATH];

static int group_setup(void **state)
{
    (void)state;
    return wm_process_sibling_path(L"helper_child.exe", child_path, MAX_PATH) == ERROR_SUCCESS ? 0
                                                                                               : -1;
}

static void test_process_run_collects_output_and_exit_code(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;

    (void)state;
    memset(&output, 0, sizeof output);
    assert_int_equal(
        wm_process_run(child_path, L"7 \"two words\"", wm_text_buffer_write, &output, &exit_code),
        ERROR_SUCCESS);
    assert_int_equal(exit_code, 7);
    assert_non_null(output.data);
    assert_non_null(strstr(output.data, "args: [7] [two words]"));
    wm_text_buffer_free(&output);
}

static void test_process_run_collects_output_larger_than_one_read(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 1;

    (void)state;
    memset(&output, 0, sizeof output);
    assert_int_equal(
        wm_process_run(child_path, L"--big 100000", wm_text_buffer_write, &output, &exit_code),
        ERROR_SUCCESS);
    assert_int_equal(exit_code, 0);
    assert_int_equal(output.length, 100000);
    wm_text_buffer_free(&output);
}

static void test_process_run_ends_a_child_that_runs_past_its_limit(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;

    (void)state;
    memset(&output, 0, sizeof output);
    /* The child prints a line and never ends: the run ends it and says so. (Whether its line
     * arrived before the limit depends on how fast the process started: not asserted.) */
    assert_int_equal(wm_process_run_within(child_path, L"--hang", wm_text_buffer_write, &output,
                                           500 /* ms */, &exit_code),
                     ERROR_TIMEOUT);
    wm_text_buffer_free(&output);
    /* The same without a pipe: the wait for the child's end is bounded too. */
    assert_int_equal(wm_process_run_within(child_path, L"--hang", NULL, NULL, 500, &exit_code),
                     ERROR_TIMEOUT);
}

static void test_process_run_reports_a_crash_as_its_exception_code(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;

    (void)state;
    memset(&output, 0, sizeof output);
    /* No dialog waits for a click: the crash ends the child with its exception code. */
    assert_int_equal(
        wm_process_run(child_path, L"--crash", wm_text_buffer_write, &output, &exit_code),
        ERROR_SUCCESS);
    assert_int_equal(exit_code, (DWORD)EXCEPTION_ACCESS_VIOLATION);
    wm_text_buffer_free(&output);
}

static void test_process_run_of_a_missing_program_fails_with_file_not_found(void **state)
{
    wchar_t missing[MAX_PATH];
    DWORD exit_code = 0;

    (void)state;
    /* In an existing folder, so the error is about the file, not the path. */
    assert_int_equal(wm_process_sibling_path(L"no-such-program.exe", missing, MAX_PATH),
                     ERROR_SUCCESS);
    assert_int_equal(wm_process_run(missing, NULL, NULL, NULL, &exit_code), ERROR_FILE_NOT_FOUND);
}

static void test_process_paths_name_this_program_and_its_siblings(void **state)
{
    wchar_t self[MAX_PATH];
    wchar_t small[8];

    (void)state;
    assert_int_equal(wm_process_self_path(self, MAX_PATH), ERROR_SUCCESS);
    assert_non_null(wcsstr(self, L"test_process.exe"));
    assert_non_null(wcsstr(child_path, L"helper_child.exe"));
    assert_int_equal(wm_process_self_path(small, 8), ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(wm_process_sibling_path(L"x.exe", small, 8), ERROR_INSUFFICIENT_BUFFER);
}

static void test_process_functions_reject_invalid_parameters(void **state)
{
    wchar_t path[MAX_PATH];
    DWORD exit_code = 0;

    (void)state;
    assert_int_equal(wm_process_run(NULL, NULL, NULL, NULL, &exit_code), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_run(L"", NULL, NULL, NULL, &exit_code), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_run(child_path, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_self_path(NULL, 4), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_self_path(path, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_sibling_path(NULL, path, MAX_PATH), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_process_sibling_path(L"", path, MAX_PATH), ERROR_INVALID_PARAMETER);
}

static void test_process_run_leaves_nothing_open_when_any_os_call_fails(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    const char *fired = NULL;
    unsigned long nth = 0;
    unsigned long calls = 0;
    int failures = 0;
    int succeeded = 0;

    (void)state;
    for (nth = 1; nth <= WM_TEST_MAX_CALLS && !succeeded; nth++) {
        memset(&output, 0, sizeof output);
        wm_test_count_resources();
        wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
        error = wm_process_run(child_path, L"3", wm_text_buffer_write, &output, &exit_code);
        calls = wm_os_fault_disarm();
        fired = wm_os_fault_fired();
        wm_text_buffer_free(&output);
        if (fired == NULL) {
            /* Nothing failed (the nth call was GetProcessHeap, which cannot): it worked. */
            assert_int_equal(error, ERROR_SUCCESS);
            assert_int_equal(exit_code, 3);
            succeeded = calls < nth;
        } else {
            failures++;
            assert_int_equal(error, wm_test_expected_error(fired));
        }
        if (!wm_test_release_failed(fired)) {
            assert_true(wm_test_nothing_held());
        }
        wm_test_stop_counting();
    }
    /* CreatePipe, SetHandleInformation, two GetStdHandle, CreateProcessW, CloseHandle,
     * ReadFile..., WaitForSingleObject, GetExitCodeProcess, four CloseHandle, HeapFree. */
    assert_true(failures >= 10);
    assert_true(succeeded);
}

static void test_output_collect_keeps_what_fits_and_stays_terminated(void **state)
{
    static wm_output_t output; /* 32 KiB: static, not on the test's stack */
    static char big[WM_OUTPUT_MAX + 100];

    (void)state;
    memset(&output, 0, sizeof output);
    wm_output_collect(&output, "ab", 2);
    wm_output_collect(&output, "cd", 2);
    assert_string_equal(output.text, "abcd");
    assert_int_equal(output.length, 4);
    memset(big, 'x', sizeof big);
    wm_output_collect(&output, big, sizeof big);
    assert_int_equal(output.length, WM_OUTPUT_MAX - 1);
    assert_int_equal(output.text[WM_OUTPUT_MAX - 1], '\0');
}

static void test_process_run_self_reports_a_failed_path_lookup(void **state)
{
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    assert_int_equal(wm_process_run_self(NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    wm_os_fault_arm(1, WM_TEST_INJECTED_ERROR); /* GetModuleFileNameW */
    error = wm_process_run_self(L"--help", NULL, NULL, &exit_code);
    (void)wm_os_fault_disarm();
    assert_string_equal(wm_os_fault_fired(), "GetModuleFileNameW");
    assert_int_equal(error, WM_TEST_INJECTED_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_collect_keeps_what_fits_and_stays_terminated),
        cmocka_unit_test_teardown(test_process_run_self_reports_a_failed_path_lookup,
                                  wm_test_teardown),
        cmocka_unit_test(test_process_run_collects_output_and_exit_code),
        cmocka_unit_test(test_process_run_collects_output_larger_than_one_read),
        cmocka_unit_test(test_process_run_ends_a_child_that_runs_past_its_limit),
        cmocka_unit_test(test_process_run_reports_a_crash_as_its_exception_code),
        cmocka_unit_test(test_process_run_of_a_missing_program_fails_with_file_not_found),
        cmocka_unit_test(test_process_paths_name_this_program_and_its_siblings),
        cmocka_unit_test(test_process_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(test_process_run_leaves_nothing_open_when_any_os_call_fails,
                                  wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
