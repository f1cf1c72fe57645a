/*
 * test_os.c - the OS function table and its fault injector.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

static void test_os_table_starts_with_the_real_functions(void **state)
{
    (void)state;
    assert_memory_equal(&wm__os, &wm__os_real, sizeof wm__os);
}

static void test_os_fault_fails_exactly_the_nth_call_with_the_chosen_error(void **state)
{
    void *first = NULL;
    void *second = NULL;
    DWORD first_error = ERROR_SUCCESS;
    DWORD second_error = ERROR_SUCCESS;
    unsigned long calls = 0;

    (void)state;
    wm_os_fault_arm(2, WM_TEST_INJECTED_ERROR);
    first_error = wm_vm_reserve(NULL, 1, &first);
    second_error = wm_vm_reserve(NULL, 1, &second);
    calls = wm_os_fault_disarm();

    assert_int_equal(first_error, ERROR_SUCCESS);
    assert_non_null(first);
    assert_int_equal(second_error, WM_TEST_INJECTED_ERROR);
    assert_null(second);
    assert_int_equal(calls, 2);
    assert_string_equal(wm_os_fault_fired(), "VirtualAlloc");
    assert_int_equal(wm_vm_release(first), ERROR_SUCCESS);
}

static void test_os_fault_disarm_restores_the_table(void **state)
{
    (void)state;
    wm_os_fault_arm(1, WM_TEST_INJECTED_ERROR);
    assert_true(memcmp(&wm__os, &wm__os_real, sizeof wm__os) != 0);
    (void)wm_os_fault_disarm();
    assert_memory_equal(&wm__os, &wm__os_real, sizeof wm__os);
}

static void test_os_fault_reports_nothing_fired_when_calls_run_out(void **state)
{
    wm_system_t system;

    (void)state;
    wm_os_fault_arm(100, WM_TEST_INJECTED_ERROR);
    assert_int_equal(wm_system_query(&system), ERROR_SUCCESS);
    assert_int_equal(wm_os_fault_disarm(), 1);
    assert_null(wm_os_fault_fired());
}

/* A test's own wrapper, installed before arming, still sees the calls that go through. */
static unsigned long counted_virtual_allocs = 0;

static LPVOID WINAPI counting_VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    counted_virtual_allocs++;
    return wm__os_real.VirtualAlloc(address, size, type, protect);
}

static void test_os_fault_passes_calls_to_the_table_it_was_armed_over(void **state)
{
    void *base = NULL;

    (void)state;
    counted_virtual_allocs = 0;
    wm__os.VirtualAlloc = counting_VirtualAlloc;
    wm_os_fault_arm(99, WM_TEST_INJECTED_ERROR);
    assert_int_equal(wm_vm_reserve(NULL, 1, &base), ERROR_SUCCESS);
    (void)wm_os_fault_disarm();
    assert_int_equal(counted_virtual_allocs, 1);
    assert_ptr_equal(wm__os.VirtualAlloc, counting_VirtualAlloc);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

/* ---- The sweep: every library operation, with each of its OS calls failing in turn. ---- */

static DWORD reserve_commit_decommit_release(void)
{
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;

    error = wm_vm_reserve(NULL, 1024 * 1024, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_vm_commit(base, 4096, PAGE_READWRITE);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_decommit(base, 4096);
    }
    /* Release even after a failure: the operation must leave nothing behind. */
    if (wm_vm_release(base) != ERROR_SUCCESS && error == ERROR_SUCCESS) {
        error = WM_TEST_INJECTED_ERROR;
    }
    return error;
}

static DWORD allocate_and_release(void)
{
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;

    error = wm_vm_allocate(NULL, 4096, PAGE_READWRITE, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    return wm_vm_release(base);
}

static DWORD summarize_address_space(void)
{
    wm_space_summary_t summary;
    return wm_space_summarize(GetCurrentProcess(), &summary);
}

static DWORD query_runtime(void)
{
    wm_runtime_t runtime;
    return wm_runtime_query(&runtime);
}

static DWORD query_memory(void)
{
    wm_memory_status_t memory;
    wm_performance_t performance;
    wm_process_counters_t counters;
    DWORD error = ERROR_SUCCESS;

    error = wm_memory_status(&memory);
    if (error == ERROR_SUCCESS) {
        error = wm_performance_query(&performance);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_process_counters(GetCurrentProcess(), &counters);
    }
    return error;
}

static DWORD find_sibling(void)
{
    wchar_t path[MAX_PATH];
    return wm_process_sibling_path(L"helper_child.exe", path, MAX_PATH);
}

static void test_os_every_injected_failure_is_reported_and_leaves_nothing_held(void **state)
{
    (void)state;
    wm_test_sweep("reserve/commit/decommit/release", reserve_commit_decommit_release, 0);
    wm_test_sweep("allocate/release", allocate_and_release, 0);
    wm_test_sweep("summarize", summarize_address_space, 0);
    /* A failed lookup of wine_get_version means "not Wine": the documented fallback. */
    wm_test_sweep("runtime", query_runtime, WM_TEST_SWEEP_FALLBACK_OK);
    wm_test_sweep("memory", query_memory, 0);
    wm_test_sweep("sibling path", find_sibling, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_os_table_starts_with_the_real_functions, wm_test_teardown),
        cmocka_unit_test_teardown(test_os_fault_fails_exactly_the_nth_call_with_the_chosen_error,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_os_fault_disarm_restores_the_table, wm_test_teardown),
        cmocka_unit_test_teardown(test_os_fault_reports_nothing_fired_when_calls_run_out,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(test_os_fault_passes_calls_to_the_table_it_was_armed_over,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(
            test_os_every_injected_failure_is_reported_and_leaves_nothing_held, wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
