/*
 * test_os.c - the OS function table and its fault injector.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

static int teardown(void **state)
{
    (void)state;
    (void)wm_os_fault_disarm();
    wm__os = wm__os_real;
    return 0;
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_os_table_starts_with_the_real_functions, teardown),
        cmocka_unit_test_teardown(test_os_fault_fails_exactly_the_nth_call_with_the_chosen_error,
                                  teardown),
        cmocka_unit_test_teardown(test_os_fault_disarm_restores_the_table, teardown),
        cmocka_unit_test_teardown(test_os_fault_reports_nothing_fired_when_calls_run_out, teardown),
        cmocka_unit_test_teardown(test_os_fault_passes_calls_to_the_table_it_was_armed_over,
                                  teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
