/*
 * test_commit_on_demand.c - regions committed on first touch by a vectored exception
 * handler: what VirtualQuery sees, two threads at once, the commit limit, and faults the
 * handler must leave alone.
 *
 * A second handler, the recorder, stands for "the default handling" the library passes
 * faults on to: registered last, it records the fault and commits the page itself, so a
 * fault that reached it does not kill the test program.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* Pages each thread writes in the two-thread test, every other page of its region. */
#define THREAD_PAGES 64

/* AddVectoredExceptionHandler's First argument: 0 puts the recorder after the library's. */
#define RECORDER_LAST 0

static wm_system_t system_facts;

/* What the recorder saw: faults that the library's handler passed on. */
static volatile LONG recorded_faults = 0;
static volatile uintptr_t recorded_address = 0;

static LONG CALLBACK recorder(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    uintptr_t address = 0;
    void *committed = NULL;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || record->NumberParameters < 2) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    address = (uintptr_t)record->ExceptionInformation[1];
    committed = VirtualAlloc((void *)(address & ~((uintptr_t)system_facts.page_size - 1)),
                             system_facts.page_size, MEM_COMMIT, PAGE_READWRITE);
    if (committed == NULL) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    recorded_address = address;
    InterlockedIncrement(&recorded_faults);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static int group_setup(void **state)
{
    (void)state;
    return wm_system_query(&system_facts) == ERROR_SUCCESS ? 0 : -1;
}

static void test_cod_create_reserves_without_committing_and_destroy_frees(void **state)
{
    wm_commit_on_demand_region_t region;
    wm_vm_usage_t usage;
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(10 * system_facts.page_size + 1, 0, &region),
                     ERROR_SUCCESS);
    assert_int_equal(region.size, 11 * system_facts.page_size); /* whole pages */
    assert_int_equal((uintptr_t)region.base % system_facts.allocation_granularity, 0);
    assert_int_equal(wm_commit_on_demand_live_regions(), 1);
    assert_int_equal(wm_vm_query_range(region.base, region.size, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.reserved, region.size);
    assert_int_equal(usage.committed, 0);
    base = region.base;
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_FREE);
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
    assert_null(region.base);
}

static void test_cod_first_touch_commits_exactly_that_page_once(void **state)
{
    wm_commit_on_demand_region_t region;
    wm_commit_on_demand_stats_t stats;
    volatile unsigned char *bytes = NULL;
    SIZE_T page = system_facts.page_size;
    unsigned char value = 0xFF;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(8 * page, 0, &region), ERROR_SUCCESS);
    bytes = (volatile unsigned char *)region.base;
    value = bytes[3 * page + 17]; /* a read fault */
    assert_int_equal(value, 0);
    bytes[3 * page + 18] = 42; /* same page: no fault */
    bytes[5 * page] = 7;       /* a write fault */
    assert_int_equal(wm_test_state_at((const void *)(bytes + 2 * page)), MEM_RESERVE);
    assert_int_equal(wm_test_state_at((const void *)(bytes + 3 * page)), MEM_COMMIT);
    assert_int_equal(wm_test_state_at((const void *)(bytes + 4 * page)), MEM_RESERVE);
    assert_int_equal(wm_test_state_at((const void *)(bytes + 5 * page)), MEM_COMMIT);
    assert_int_equal(wm_commit_on_demand_stats(&region, &stats), ERROR_SUCCESS);
    assert_int_equal(stats.faults, 2);
    assert_int_equal(stats.committed, 2 * page);
    assert_int_equal(stats.refused, 0);
    assert_int_equal(stats.last_fault_address, (uintptr_t)(bytes + 5 * page));
    assert_int_equal(stats.last_fault_access, WM_COMMIT_ON_DEMAND_ACCESS_WRITE);
    assert_int_equal(bytes[3 * page + 18], 42);
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_SUCCESS);
}

/* One thread's work in the two-thread test: write every other page of its region. */
typedef struct toucher_s
{
    wm_commit_on_demand_region_t *region;
    HANDLE start; /* manual-reset event: both threads begin together */
} toucher_t;

static DWORD WINAPI touch_every_other_page(LPVOID parameter)
{
    toucher_t *toucher = (toucher_t *)parameter;
    volatile unsigned char *bytes = (volatile unsigned char *)toucher->region->base;
    SIZE_T i = 0;

    (void)WaitForSingleObject(toucher->start, WM_TEST_WAIT_MS);
    for (i = 0; i < THREAD_PAGES; i++) {
        bytes[2 * i * system_facts.page_size + i] = (unsigned char)(i + 1);
    }
    for (i = 0; i < THREAD_PAGES; i++) {
        if (bytes[2 * i * system_facts.page_size + i] != (unsigned char)(i + 1)) {
            return 1;
        }
    }
    return 0;
}

static void test_cod_two_regions_touched_from_two_threads_each_commit_their_pages(void **state)
{
    wm_commit_on_demand_region_t regions[2];
    wm_commit_on_demand_stats_t stats;
    wm_vm_usage_t usage;
    toucher_t touchers[2];
    HANDLE threads[2] = {NULL, NULL};
    HANDLE start = NULL;
    DWORD exit_code = 99;
    int i = 0;

    (void)state;
    start = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual reset, not signalled */
    assert_non_null(start);
    for (i = 0; i < 2; i++) {
        assert_int_equal(
            wm_commit_on_demand_create(2 * THREAD_PAGES * system_facts.page_size, 0, &regions[i]),
            ERROR_SUCCESS);
        touchers[i].region = &regions[i];
        touchers[i].start = start;
    }
    assert_int_equal(wm_commit_on_demand_live_regions(), 2);
    for (i = 0; i < 2; i++) {
        threads[i] = CreateThread(NULL, 0, touch_every_other_page, &touchers[i], 0, NULL);
        assert_non_null(threads[i]);
    }
    assert_true(SetEvent(start));
    assert_int_equal(WaitForMultipleObjects(2, threads, TRUE, WM_TEST_WAIT_MS), WAIT_OBJECT_0);
    for (i = 0; i < 2; i++) {
        assert_true(GetExitCodeThread(threads[i], &exit_code));
        assert_int_equal(exit_code, 0);
        assert_true(CloseHandle(threads[i]));
        assert_int_equal(wm_commit_on_demand_stats(&regions[i], &stats), ERROR_SUCCESS);
        assert_int_equal(stats.faults, THREAD_PAGES);
        assert_int_equal(wm_vm_query_range(regions[i].base, regions[i].size, &usage),
                         ERROR_SUCCESS);
        assert_int_equal(usage.committed, THREAD_PAGES * system_facts.page_size);
        assert_int_equal(usage.reserved, THREAD_PAGES * system_facts.page_size);
    }
    assert_true(CloseHandle(start));
    assert_int_equal(wm_commit_on_demand_destroy(&regions[0]), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_destroy(&regions[1]), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
}

static void test_cod_fault_outside_every_region_reaches_the_next_handler(void **state)
{
    wm_commit_on_demand_region_t region;
    wm_commit_on_demand_stats_t stats;
    PVOID handle = NULL;
    void *plain = NULL;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(4 * system_facts.page_size, 0, &region),
                     ERROR_SUCCESS);
    handle = AddVectoredExceptionHandler(RECORDER_LAST, recorder);
    assert_non_null(handle);
    recorded_faults = 0;
    assert_int_equal(wm_vm_reserve(NULL, system_facts.page_size, &plain), ERROR_SUCCESS);
    ((volatile unsigned char *)plain)[10] = 1; /* not ours: passed on to the recorder */
    assert_int_equal(recorded_faults, 1);
    assert_int_equal(recorded_address, (uintptr_t)plain + 10);
    assert_int_equal(wm_commit_on_demand_stats(&region, &stats), ERROR_SUCCESS);
    assert_int_equal(stats.faults, 0);
    assert_true(RemoveVectoredExceptionHandler(handle) != 0);
    assert_int_equal(wm_vm_release(plain), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_SUCCESS);
}

static void test_cod_commit_limit_passes_the_next_fault_on(void **state)
{
    wm_commit_on_demand_region_t region;
    wm_commit_on_demand_stats_t stats;
    volatile unsigned char *bytes = NULL;
    PVOID handle = NULL;
    SIZE_T page = system_facts.page_size;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(8 * page, 2 * page, &region), ERROR_SUCCESS);
    handle = AddVectoredExceptionHandler(RECORDER_LAST, recorder);
    assert_non_null(handle);
    recorded_faults = 0;
    bytes = (volatile unsigned char *)region.base;
    bytes[0] = 1;
    bytes[page] = 1;
    bytes[2 * page] = 1; /* over the limit: refused, so the recorder commits it */
    assert_int_equal(wm_commit_on_demand_stats(&region, &stats), ERROR_SUCCESS);
    assert_int_equal(stats.faults, 2);
    assert_int_equal(stats.committed, 2 * page);
    assert_int_equal(stats.refused, 1);
    assert_int_equal(recorded_faults, 1);
    assert_int_equal(recorded_address, (uintptr_t)(bytes + 2 * page));
    assert_true(RemoveVectoredExceptionHandler(handle) != 0);
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_SUCCESS);
}

static void test_cod_destroyed_region_is_no_longer_handled(void **state)
{
    wm_commit_on_demand_region_t gone;
    wm_commit_on_demand_region_t kept;
    wm_commit_on_demand_stats_t stats;
    PVOID handle = NULL;
    void *old_base = NULL;
    void *again = NULL;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(4 * system_facts.page_size, 0, &gone),
                     ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_create(4 * system_facts.page_size, 0, &kept),
                     ERROR_SUCCESS);
    old_base = gone.base;
    assert_int_equal(wm_commit_on_demand_destroy(&gone), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_live_regions(), 1);
    /* The same addresses, reserved again by someone else: no longer the handler's. */
    assert_int_equal(wm_vm_reserve(old_base, 4 * system_facts.page_size, &again), ERROR_SUCCESS);
    assert_ptr_equal(again, old_base);
    handle = AddVectoredExceptionHandler(RECORDER_LAST, recorder);
    assert_non_null(handle);
    recorded_faults = 0;
    ((volatile unsigned char *)again)[0] = 1;
    assert_int_equal(recorded_faults, 1);
    assert_int_equal(wm_commit_on_demand_stats(&kept, &stats), ERROR_SUCCESS);
    assert_int_equal(stats.faults, 0);
    assert_true(RemoveVectoredExceptionHandler(handle) != 0);
    assert_int_equal(wm_vm_release(again), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_destroy(&kept), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
}

static void test_cod_too_many_regions_fails_and_reserves_nothing(void **state)
{
    wm_commit_on_demand_region_t regions[WM_COMMIT_ON_DEMAND_MAX_REGIONS];
    wm_commit_on_demand_region_t extra;
    DWORD error = ERROR_SUCCESS;
    int i = 0;

    (void)state;
    for (i = 0; i < WM_COMMIT_ON_DEMAND_MAX_REGIONS; i++) {
        assert_int_equal(wm_commit_on_demand_create(system_facts.page_size, 0, &regions[i]),
                         ERROR_SUCCESS);
    }
    wm_test_count_resources();
    error = wm_commit_on_demand_create(system_facts.page_size, 0, &extra);
    assert_true(wm_test_nothing_held());
    wm_test_stop_counting();
    assert_int_equal(error, ERROR_NOT_ENOUGH_QUOTA);
    assert_null(extra.base);
    for (i = 0; i < WM_COMMIT_ON_DEMAND_MAX_REGIONS; i++) {
        assert_int_equal(wm_commit_on_demand_destroy(&regions[i]), ERROR_SUCCESS);
    }
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
}

static void test_cod_functions_reject_invalid_parameters(void **state)
{
    wm_commit_on_demand_region_t region;
    wm_commit_on_demand_region_t copy;
    wm_commit_on_demand_stats_t stats;

    (void)state;
    assert_int_equal(wm_commit_on_demand_create(1, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_commit_on_demand_create(0, 0, &region), ERROR_INVALID_PARAMETER);
    assert_null(region.base);
    assert_int_equal(wm_commit_on_demand_create((SIZE_T)-1, 0, &region), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_commit_on_demand_stats(NULL, &stats), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_commit_on_demand_stats(&region, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_commit_on_demand_stats(&region, &stats),
                     ERROR_INVALID_PARAMETER); /* not created */
    assert_int_equal(wm_commit_on_demand_destroy(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_INVALID_PARAMETER);
    /* A copy of a registered region is not the region: destroying it changes nothing. */
    assert_int_equal(wm_commit_on_demand_create(system_facts.page_size, 0, &region), ERROR_SUCCESS);
    memcpy(&copy, &region, sizeof copy);
    assert_int_equal(wm_commit_on_demand_destroy(&copy), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_commit_on_demand_live_regions(), 1);
    assert_int_equal(wm_commit_on_demand_destroy(&region), ERROR_SUCCESS);
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
}

/* ---- The sweep. ---- */

/* Destroys region even when one of its OS calls was made to fail: a second try if it is
 * still registered, a plain release if only the release failed. Returns the first error. */
static DWORD destroy_fully(wm_commit_on_demand_region_t *region)
{
    DWORD error = wm_commit_on_demand_destroy(region);

    if (error != ERROR_SUCCESS && region->registered) {
        (void)wm_commit_on_demand_destroy(region);
    } else if (error != ERROR_SUCCESS && region->base != NULL) {
        (void)wm_vm_release(region->base);
    }
    return error;
}

static DWORD create_two_and_destroy_both(void)
{
    wm_commit_on_demand_region_t first;
    wm_commit_on_demand_region_t second;
    wm_commit_on_demand_stats_t stats;
    DWORD error = ERROR_SUCCESS;
    DWORD destroy_error = ERROR_SUCCESS;

    error = wm_commit_on_demand_create(2 * system_facts.page_size, 0, &first);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_commit_on_demand_create(2 * system_facts.page_size, 0, &second);
    if (error == ERROR_SUCCESS) {
        error = wm_commit_on_demand_stats(&second, &stats);
        destroy_error = destroy_fully(&second);
        if (error == ERROR_SUCCESS) {
            error = destroy_error;
        }
    }
    destroy_error = destroy_fully(&first);
    if (error == ERROR_SUCCESS) {
        error = destroy_error;
    }
    return error;
}

static void test_cod_every_injected_failure_is_reported_and_leaves_nothing_held(void **state)
{
    (void)state;
    wm_test_sweep("commit on demand", create_two_and_destroy_both, 0);
    assert_int_equal(wm_commit_on_demand_live_regions(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cod_create_reserves_without_committing_and_destroy_frees),
        cmocka_unit_test(test_cod_first_touch_commits_exactly_that_page_once),
        cmocka_unit_test(test_cod_two_regions_touched_from_two_threads_each_commit_their_pages),
        cmocka_unit_test(test_cod_fault_outside_every_region_reaches_the_next_handler),
        cmocka_unit_test(test_cod_commit_limit_passes_the_next_fault_on),
        cmocka_unit_test(test_cod_destroyed_region_is_no_longer_handled),
        cmocka_unit_test_teardown(test_cod_too_many_regions_fails_and_reserves_nothing,
                                  wm_test_teardown),
        cmocka_unit_test(test_cod_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_cod_every_injected_failure_is_reported_and_leaves_nothing_held, wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
