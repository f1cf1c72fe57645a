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

static int teardown(void **state)
{
    (void)state;
    (void)wm_os_fault_disarm();
    wm__os = wm__os_real;
    return 0;
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

/* Resource counters, kept by wrappers installed under the fault injector. */
static long open_handles = 0;
static long live_blocks = 0;

static BOOL WINAPI counting_CreatePipe(PHANDLE read_end, PHANDLE write_end,
                                       LPSECURITY_ATTRIBUTES security, DWORD size)
{
    BOOL ok = wm__os_real.CreatePipe(read_end, write_end, security, size);
    if (ok) {
        open_handles += 2;
    }
    return ok;
}

static BOOL WINAPI counting_CreateProcessW(LPCWSTR program, LPWSTR command_line,
                                           LPSECURITY_ATTRIBUTES process_security,
                                           LPSECURITY_ATTRIBUTES thread_security, BOOL inherit,
                                           DWORD flags, LPVOID environment, LPCWSTR directory,
                                           LPSTARTUPINFOW startup, LPPROCESS_INFORMATION info)
{
    BOOL ok = wm__os_real.CreateProcessW(program, command_line, process_security, thread_security,
                                         inherit, flags, environment, directory, startup, info);
    if (ok) {
        open_handles += 2; /* the process and its first thread */
    }
    return ok;
}

static BOOL WINAPI counting_CloseHandle(HANDLE handle)
{
    BOOL ok = wm__os_real.CloseHandle(handle);
    if (ok) {
        open_handles--;
    }
    return ok;
}

static LPVOID WINAPI counting_HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size)
{
    LPVOID block = wm__os_real.HeapAlloc(heap, flags, size);
    if (block != NULL) {
        live_blocks++;
    }
    return block;
}

static BOOL WINAPI counting_HeapFree(HANDLE heap, DWORD flags, LPVOID block)
{
    BOOL ok = wm__os_real.HeapFree(heap, flags, block);
    if (ok) {
        live_blocks--;
    }
    return ok;
}

/* A failure released a resource it could not: CloseHandle or HeapFree itself failed. */
static int failed_to_release(const char *fired)
{
    return fired != NULL && (strcmp(fired, "CloseHandle") == 0 || strcmp(fired, "HeapFree") == 0);
}

static void test_process_run_leaves_nothing_open_when_any_os_call_fails(void **state)
{
    wm_text_buffer_t output;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    const char *fired = NULL;
    unsigned long nth = 0;
    int succeeded = 0;

    (void)state;
    wm__os.CreatePipe = counting_CreatePipe;
    wm__os.CreateProcessW = counting_CreateProcessW;
    wm__os.CloseHandle = counting_CloseHandle;
    wm__os.HeapAlloc = counting_HeapAlloc;
    wm__os.HeapFree = counting_HeapFree;
    for (nth = 1; nth <= WM_TEST_MAX_CALLS && !succeeded; nth++) {
        open_handles = 0;
        live_blocks = 0;
        memset(&output, 0, sizeof output);
        wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
        error = wm_process_run(child_path, L"3", wm_text_buffer_write, &output, &exit_code);
        (void)wm_os_fault_disarm();
        fired = wm_os_fault_fired();
        wm_text_buffer_free(&output);
        if (fired == NULL) {
            /* Every call went through: the run must have worked. */
            assert_int_equal(error, ERROR_SUCCESS);
            assert_int_equal(exit_code, 3);
            succeeded = 1;
        } else {
            print_message("call %lu (%s) failed: run returned %lu\n", nth, fired,
                          (unsigned long)error);
            assert_int_equal(error, WM_TEST_INJECTED_ERROR);
        }
        if (!failed_to_release(fired)) {
            assert_int_equal(open_handles, 0);
            assert_int_equal(live_blocks, 0);
        }
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_run_collects_output_and_exit_code),
        cmocka_unit_test(test_process_run_collects_output_larger_than_one_read),
        cmocka_unit_test(test_process_run_of_a_missing_program_fails_with_file_not_found),
        cmocka_unit_test(test_process_paths_name_this_program_and_its_siblings),
        cmocka_unit_test(test_process_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(test_process_run_leaves_nothing_open_when_any_os_call_fails,
                                  teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
