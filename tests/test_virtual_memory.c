/*
 * test_virtual_memory.c - the address space: query, walk, summary, names.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* Shared facts, read once for the group. */
static void test_space_query_of_a_local_variable_is_committed_private(void **state)
{
    wm_region_t region;
    int local = 0;

    (void)state;
    assert_int_equal(wm_space_query(GetCurrentProcess(), (uintptr_t)&local, &region),
                     ERROR_SUCCESS);
    assert_int_equal(region.state, MEM_COMMIT);
    assert_int_equal(region.type, MEM_PRIVATE);
    assert_true(region.base <= (uintptr_t)&local);
    assert_true((uintptr_t)&local < region.base + region.size);
}

static void test_space_query_above_the_highest_address_fails(void **state)
{
    wm_region_t region;

    (void)state;
    /* VirtualQueryEx: an address past the user address space is an invalid parameter. */
    assert_int_equal(
        wm_space_query(GetCurrentProcess(), wm_test_system.highest_address + 1, &region),
        ERROR_INVALID_PARAMETER);
}

static void test_space_summary_covers_the_range_without_gaps(void **state)
{
    wm_space_summary_t summary;

    (void)state;
    assert_int_equal(wm_space_summarize(GetCurrentProcess(), &summary), ERROR_SUCCESS);
    assert_true(summary.regions > 1);
    assert_int_equal(summary.gaps, 0);
    assert_true(summary.start == wm_test_system.lowest_address);
    assert_true(summary.end == wm_test_system.highest_address + 1);
    assert_true(summary.free_bytes + summary.reserved_bytes + summary.committed_bytes ==
                (ULONGLONG)(summary.end - summary.start));
    assert_true(summary.committed_bytes ==
                summary.committed_image + summary.committed_mapped + summary.committed_private);
    assert_true(summary.committed_image > 0); /* at least this .exe */
    assert_true(summary.largest_free <= summary.free_bytes);
}

/* Visitor: finds the region whose base is *context's address and records its state. */
typedef struct find_region_s
{
    uintptr_t base;
    DWORD state;
    int found;
} find_region_t;

static int find_region(void *context, const wm_region_t *region)
{
    find_region_t *find = (find_region_t *)context;

    if (region->base == find->base) {
        find->state = region->state;
        find->found = 1;
    }
    return 0;
}

static void test_space_walk_sees_a_reservation_and_then_its_release(void **state)
{
    void *base = NULL;
    find_region_t find;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 1024 * 1024, &base), ERROR_SUCCESS);
    memset(&find, 0, sizeof find);
    find.base = (uintptr_t)base;
    assert_int_equal(wm_space_walk(GetCurrentProcess(), find_region, &find), ERROR_SUCCESS);
    assert_true(find.found);
    assert_int_equal(find.state, MEM_RESERVE);

    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
    memset(&find, 0, sizeof find);
    find.base = (uintptr_t)base;
    assert_int_equal(wm_space_walk(GetCurrentProcess(), find_region, &find), ERROR_SUCCESS);
    /* Released: the range joined a free region, which may start below it. */
    assert_true(!find.found || find.state == MEM_FREE);
}

/* Visitor: stops after three regions. */
static int stop_after_three(void *context, const wm_region_t *region)
{
    int *seen = (int *)context;

    (void)region;
    (*seen)++;
    return *seen == 3;
}

static void test_space_walk_stops_when_the_visitor_says_so(void **state)
{
    int seen = 0;

    (void)state;
    assert_int_equal(wm_space_walk(GetCurrentProcess(), stop_after_three, &seen), ERROR_SUCCESS);
    assert_int_equal(seen, 3);
}

static void test_space_walk_returns_the_error_of_a_failed_query(void **state)
{
    wm_space_summary_t summary;
    unsigned long nth = 0;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    /* Fail the 1st, 2nd, 5th... OS call of a walk: each time the walk reports it. */
    for (nth = 1; nth <= 5; nth++) {
        wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
        error = wm_space_summarize(GetCurrentProcess(), &summary);
        (void)wm_os_fault_disarm();
        if (wm_os_fault_fired() != NULL) {
            assert_int_equal(error, WM_TEST_INJECTED_ERROR);
        }
    }
}

static void test_space_functions_reject_invalid_parameters(void **state)
{
    wm_region_t region;
    wm_space_summary_t summary;
    int context = 0;

    (void)state;
    assert_int_equal(wm_space_query(NULL, 0x10000, &region), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_space_query(GetCurrentProcess(), 0x10000, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_space_walk(GetCurrentProcess(), NULL, &context), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_space_walk(NULL, stop_after_three, &context), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_space_summarize(GetCurrentProcess(), NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_space_summarize(NULL, &summary), ERROR_INVALID_PARAMETER);
}

static void test_names_of_states_types_and_protections(void **state)
{
    (void)state;
    assert_string_equal(wm_state_name(MEM_COMMIT), "MEM_COMMIT");
    assert_string_equal(wm_state_name(MEM_RESERVE), "MEM_RESERVE");
    assert_string_equal(wm_state_name(MEM_FREE), "MEM_FREE");
    assert_string_equal(wm_state_name(12345), "?");
    assert_string_equal(wm_type_name(MEM_IMAGE), "MEM_IMAGE");
    assert_string_equal(wm_type_name(MEM_MAPPED), "MEM_MAPPED");
    assert_string_equal(wm_type_name(MEM_PRIVATE), "MEM_PRIVATE");
    assert_string_equal(wm_protect_name(PAGE_READWRITE | PAGE_GUARD), "PAGE_READWRITE");
    assert_string_equal(wm_protect_name(PAGE_EXECUTE_READ), "PAGE_EXECUTE_READ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space_query_of_a_local_variable_is_committed_private),
        cmocka_unit_test(test_space_query_above_the_highest_address_fails),
        cmocka_unit_test(test_space_summary_covers_the_range_without_gaps),
        cmocka_unit_test(test_space_walk_sees_a_reservation_and_then_its_release),
        cmocka_unit_test(test_space_walk_stops_when_the_visitor_says_so),
        cmocka_unit_test_teardown(test_space_walk_returns_the_error_of_a_failed_query,
                                  wm_test_teardown),
        cmocka_unit_test(test_space_functions_reject_invalid_parameters),
        cmocka_unit_test(test_names_of_states_types_and_protections),
    };
    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
