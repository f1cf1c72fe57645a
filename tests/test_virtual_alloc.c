/*
 * test_virtual_alloc.c - reserve, commit, decommit, release, checked with VirtualQuery.
 *
 * Each assertion accepts the documented Windows behaviour; under Wine it also accepts the
 * recorded deviation (docs/deviations.md, named by id beside the assertion), never a Wine
 * version's behaviour as the only outcome.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

static void test_vm_reserve_starts_at_a_granularity_boundary_with_nothing_committed(void **state)
{
    void *base = NULL;
    MEMORY_BASIC_INFORMATION info;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 3 * wm_test_system.page_size, &base), ERROR_SUCCESS);
    assert_int_equal((uintptr_t)base % wm_test_system.allocation_granularity, 0);
    assert_int_equal(VirtualQuery(base, &info, sizeof info), sizeof info);
    assert_int_equal(info.State, MEM_RESERVE);
    assert_int_equal(info.RegionSize, 3 * wm_test_system.page_size);
    assert_int_equal(info.Protect, 0); /* documented: 0 for reserved pages */
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_FREE);
}

static void test_vm_one_byte_reservation_takes_a_whole_page(void **state)
{
    void *base = NULL;
    MEMORY_BASIC_INFORMATION info;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 1, &base), ERROR_SUCCESS);
    assert_int_equal(VirtualQuery(base, &info, sizeof info), sizeof info);
    assert_int_equal(info.RegionSize, wm_test_system.page_size);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_commit_of_two_bytes_across_a_page_boundary_commits_two_pages(void **state)
{
    char *base = NULL;
    void *reserved = NULL;
    MEMORY_BASIC_INFORMATION info;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 4 * wm_test_system.page_size, &reserved), ERROR_SUCCESS);
    base = (char *)reserved;
    /* The last byte of page 1 and the first byte of page 2. */
    assert_int_equal(wm_vm_commit(base + 2 * wm_test_system.page_size - 1, 2, PAGE_READWRITE),
                     ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(VirtualQuery(base + wm_test_system.page_size, &info, sizeof info),
                     sizeof info);
    assert_int_equal(info.State, MEM_COMMIT);
    assert_int_equal(info.RegionSize, 2 * wm_test_system.page_size);
    assert_int_equal(wm_test_state_at(base + 3 * wm_test_system.page_size), MEM_RESERVE);
    assert_int_equal(wm_vm_release(reserved), ERROR_SUCCESS);
}

static void test_vm_commit_outside_a_reservation_fails_with_invalid_address(void **state)
{
    void *base = NULL;

    (void)state;
    /* Reserve and release to find an address that is certainly free. */
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.page_size, &base), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
    assert_int_equal(wm_vm_commit(base, wm_test_system.page_size, PAGE_READWRITE),
                     ERROR_INVALID_ADDRESS);
}

static void test_vm_decommit_returns_pages_to_reserved_and_recommit_reads_zero(void **state)
{
    void *base = NULL;
    volatile unsigned char *bytes = NULL;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, wm_test_system.page_size, PAGE_READWRITE, &base),
                     ERROR_SUCCESS);
    bytes = (volatile unsigned char *)base;
    bytes[0] = 0xAB;
    assert_int_equal(wm_vm_decommit(base, wm_test_system.page_size), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(wm_vm_commit(base, wm_test_system.page_size, PAGE_READWRITE), ERROR_SUCCESS);
    assert_int_equal(bytes[0], 0);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_release_from_an_interior_address_fails_and_frees_nothing(void **state)
{
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 2 * wm_test_system.page_size, &base), ERROR_SUCCESS);
    /* Windows: 487; Wine: 487 (wine-fidelity row 20). Assert failure, not the code. */
    assert_int_not_equal(wm_vm_release((char *)base + wm_test_system.page_size), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_functions_reject_invalid_parameters(void **state)
{
    void *base = (void *)(uintptr_t)1;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reserve(NULL, 0, &base), ERROR_INVALID_PARAMETER);
    assert_null(base);
    base = (void *)(uintptr_t)1;
    assert_int_equal(wm_vm_allocate(NULL, 0, PAGE_READWRITE, &base), ERROR_INVALID_PARAMETER);
    assert_null(base);
    assert_int_equal(wm_vm_allocate(NULL, 1, PAGE_READWRITE, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_commit(NULL, 1, PAGE_READWRITE), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_commit(&base, 0, PAGE_READWRITE), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_decommit(NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_decommit(&base, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_release(NULL), ERROR_INVALID_PARAMETER);
}

static void test_vm_injected_failure_leaves_no_reservation(void **state)
{
    void *base = (void *)(uintptr_t)1;
    wm_space_summary_t before;
    wm_space_summary_t after;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    assert_int_equal(wm_space_summarize(GetCurrentProcess(), &before), ERROR_SUCCESS);
    wm_os_fault_arm(1, WM_TEST_INJECTED_ERROR);
    error = wm_vm_reserve(NULL, 1024 * 1024, &base);
    (void)wm_os_fault_disarm();
    assert_int_equal(error, WM_TEST_INJECTED_ERROR);
    assert_null(base);
    assert_int_equal(wm_space_summarize(GetCurrentProcess(), &after), ERROR_SUCCESS);
    /* The 1 MiB reservation was never made (other code may have grown a heap a little). */
    assert_true(after.reserved_bytes + after.committed_bytes <
                before.reserved_bytes + before.committed_bytes + 1024 * 1024);
}

static void test_vm_page_goes_free_reserved_committed_reserved_free(void **state)
{
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.page_size, &base), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(wm_vm_commit(base, wm_test_system.page_size, PAGE_READWRITE), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_COMMIT);
    assert_int_equal(wm_vm_decommit(base, wm_test_system.page_size), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(base), MEM_FREE);
}

static void test_vm_release_with_a_size_fails_with_invalid_parameter(void **state)
{
    void *base = NULL;
    BOOL released = TRUE;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.page_size, &base), ERROR_SUCCESS);
    /* The library never does this; the API's rule is what is tested: Wine's
     * dlls/kernel32/tests/virtual.c, test_VirtualAlloc ("if the type is MEM_RELEASE, size must
     * be 0": ERROR_INVALID_PARAMETER, plain ok()). */
    released = VirtualFree(base, wm_test_system.page_size, MEM_RELEASE);
    error = GetLastError();
    assert_false(released);
    assert_int_equal(error, ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_test_state_at(base), MEM_RESERVE);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_reserving_a_gigabyte_adds_no_commit_charge(void **state)
{
    wm_process_counters_t before;
    wm_process_counters_t after;
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_process_counters(GetCurrentProcess(), &before), ERROR_SUCCESS);
    assert_int_equal(wm_vm_reserve(NULL, (SIZE_T)1024 * 1024 * 1024, &base), ERROR_SUCCESS);
    assert_int_equal(wm_process_counters(GetCurrentProcess(), &after), ERROR_SUCCESS);
    /* VirtualAlloc (Microsoft Learn): MEM_RESERVE allocates no storage; PrivateUsage is the
     * commit charge ("PROCESS_MEMORY_COUNTERS_EX"), never 0 in a running process. Some growth
     * is the calls' own bookkeeping; a commit would be 1 GiB. Under Wine, or the recorded
     * deviation wine-private-usage-unfilled: the call never writes PrivateUsage. */
    assert_true((before.private_written && after.private_written &&
                 after.private_bytes < before.private_bytes + 1024 * 1024) ||
                (wm_is_wine() && !before.private_written && !after.private_written));
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_free_page_after_a_small_reservation_cannot_be_reserved(void **state)
{
    char *base = NULL;
    void *reserved = NULL;
    void *neighbour = (void *)(uintptr_t)1;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, 1, &reserved), ERROR_SUCCESS);
    base = (char *)reserved;
    assert_int_equal(wm_test_state_at(base + wm_test_system.page_size), MEM_FREE);
    /* The address rounds down to the granularity unit the first reservation holds. */
    assert_int_not_equal(wm_vm_reserve(base + wm_test_system.page_size, 1, &neighbour),
                         ERROR_SUCCESS);
    assert_null(neighbour);
    assert_int_equal(wm_vm_release(reserved), ERROR_SUCCESS);
}

static void test_vm_reserve_ex_top_down_lands_above_a_plain_reservation(void **state)
{
    void *low = NULL;
    void *high = NULL;

    (void)state;
    assert_int_equal(wm_vm_reserve(NULL, wm_test_system.page_size, &low), ERROR_SUCCESS);
    assert_int_equal(wm_vm_reserve_ex(NULL, wm_test_system.page_size, WM_VM_TOP_DOWN, &high),
                     ERROR_SUCCESS);
    assert_true((uintptr_t)high > (uintptr_t)low);
    assert_int_equal((uintptr_t)high % wm_test_system.allocation_granularity, 0);
    assert_int_equal(wm_test_state_at(high), MEM_RESERVE);
    assert_int_equal(wm_vm_release(high), ERROR_SUCCESS);
    assert_int_equal(wm_vm_release(low), ERROR_SUCCESS);
}

static void test_vm_query_range_counts_committed_reserved_and_free_bytes(void **state)
{
    char *base = NULL;
    void *reserved = NULL;
    wm_vm_usage_t usage;
    SIZE_T page = wm_test_system.page_size;

    (void)state;
    /* 8 pages reserved at the start of a granularity unit: the rest of the unit is free. */
    assert_int_equal(wm_vm_reserve(NULL, 8 * page, &reserved), ERROR_SUCCESS);
    base = (char *)reserved;
    assert_int_equal(wm_vm_commit(base + 2 * page, 3 * page, PAGE_READWRITE), ERROR_SUCCESS);
    assert_int_equal(wm_vm_query_range(base, 16 * page, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.committed, 3 * page);
    assert_int_equal(usage.reserved, 5 * page);
    assert_int_equal(usage.free, 8 * page);
    assert_int_equal(usage.regions, 4); /* reserved, committed, reserved, free */
    /* A range that starts and ends inside pages counts the whole pages it touches. */
    assert_int_equal(wm_vm_query_range(base + 2 * page - 1, 2, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.committed, page);
    assert_int_equal(usage.reserved, page);
    assert_int_equal(wm_vm_release(reserved), ERROR_SUCCESS);
}

static void test_vm_resident_pages_counts_only_touched_committed_pages(void **state)
{
    void *base = NULL;
    volatile unsigned char *bytes = NULL;
    SIZE_T resident = 99;
    SIZE_T page = wm_test_system.page_size;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, 8 * page, PAGE_READWRITE, &base), ERROR_SUCCESS);
    assert_int_equal(wm_vm_resident_pages(base, 8 * page, &resident), ERROR_SUCCESS);
    assert_int_equal(resident, 0);
    bytes = (volatile unsigned char *)base;
    bytes[0] = 1;
    bytes[5 * page] = 1;
    bytes[7 * page + 1] = 1;
    assert_int_equal(wm_vm_resident_pages(base, 8 * page, &resident), ERROR_SUCCESS);
    assert_int_equal(resident, 3);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

/* Each page of the range holds its old bytes (1), or reads all zero (0); -1 for anything
 * else (a page partly kept). */
static int page_intact_or_zero(const volatile unsigned char *page, SIZE_T offset, SIZE_T size)
{
    SIZE_T i = 0;
    int intact = 1;
    int zero = 1;

    for (i = 0; i < size; i++) {
        if (page[i] != (unsigned char)((offset + i) | 1)) {
            intact = 0;
        }
        if (page[i] != 0) {
            zero = 0;
        }
    }
    return intact ? 1 : zero ? 0 : -1;
}

static void test_vm_reset_keeps_pages_committed_and_reset_undo_keeps_its_promise(void **state)
{
    void *base = NULL;
    volatile unsigned char *bytes = NULL;
    DWORD undo = ERROR_SUCCESS;
    SIZE_T page = wm_test_system.page_size;
    SIZE_T i = 0;
    int intact = 1;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, 2 * page, PAGE_READWRITE, &base), ERROR_SUCCESS);
    bytes = (volatile unsigned char *)base;
    for (i = 0; i < 2 * page; i++) {
        bytes[i] = (unsigned char)(i | 1);
    }
    assert_int_equal(wm_vm_reset(base, 2 * page), ERROR_SUCCESS);
    /* Wine's dlls/kernel32/tests/virtual.c, test_VirtualAlloc: after MEM_RESET the page is
     * still committed read-write, and its data is either the old value or zero (both are
     * accepted there; VirtualAlloc on Microsoft Learn: the pages may be discarded). Neither
     * is promised, so each page may be either, on any runtime. */
    assert_int_equal(wm_test_state_at(base), MEM_COMMIT);
    assert_true(page_intact_or_zero(bytes, 0, page) >= 0);
    assert_true(page_intact_or_zero(bytes + page, page, page) >= 0);
    undo = wm_vm_reset_undo(base, 2 * page);
    for (i = 0; i < 2 * page; i++) {
        if (bytes[i] != (unsigned char)(i | 1)) {
            intact = 0;
        }
    }
    /* VirtualAlloc (Microsoft Learn), MEM_RESET_UNDO: success means all the data is intact,
     * failure that some of it was replaced with zeroes; the failure's code is not
     * documented. The same on every runtime (Wine 8 fails with 87 after its MEM_RESET zeroed
     * the pages, which keeps the promise). */
    assert_true((undo == ERROR_SUCCESS && intact) || (undo != ERROR_SUCCESS && !intact));
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_write_watch_lists_exactly_the_written_pages_in_order(void **state)
{
    void *base = NULL;
    void *pages[16];
    volatile unsigned char *bytes = NULL;
    unsigned char sink = 0;
    SIZE_T count = 0;
    SIZE_T page = wm_test_system.page_size;

    (void)state;
    assert_int_equal(wm_vm_reserve_ex(NULL, 16 * page, WM_VM_WRITE_WATCH, &base), ERROR_SUCCESS);
    assert_int_equal(wm_vm_commit(base, 16 * page, PAGE_READWRITE), ERROR_SUCCESS);
    bytes = (volatile unsigned char *)base;
    /* Wine's dlls/kernel32/tests/virtual.c, test_write_watch (plain ok(), so Windows does
     * it): a fresh committed region lists 0 pages; written pages are listed once each, in
     * address order; count 1 gets the first only; ResetWriteWatch and WRITE_WATCH_FLAG_RESET
     * start over. A read is not a write (GetWriteWatch on Microsoft Learn: "pages that are
     * written to"). */
    assert_int_equal(wm_vm_write_watch(base, 16 * page, 0, pages, 16, &count), ERROR_SUCCESS);
    assert_int_equal(count, 0); /* committing is not writing */
    bytes[9 * page] = 1;
    bytes[0] = 1;
    bytes[5 * page + 100] = 1;
    bytes[5 * page + 200] = 1;
    sink = bytes[12 * page];
    assert_int_equal(sink, 0);
    assert_int_equal(wm_vm_write_watch(base, 16 * page, 0, pages, 16, &count), ERROR_SUCCESS);
    assert_int_equal(count, 3);
    assert_ptr_equal(pages[0], (void *)bytes);
    assert_ptr_equal(pages[1], (void *)(bytes + 5 * page));
    assert_ptr_equal(pages[2], (void *)(bytes + 9 * page));
    /* A short array gets the first pages only. */
    assert_int_equal(wm_vm_write_watch(base, 16 * page, 0, pages, 1, &count), ERROR_SUCCESS);
    assert_int_equal(count, 1);
    assert_ptr_equal(pages[0], (void *)bytes);
    /* ResetWriteWatch forgets them; a new write is the only one listed. */
    assert_int_equal(wm_vm_write_watch_reset(base, 16 * page), ERROR_SUCCESS);
    bytes[15 * page] = 1;
    assert_int_equal(wm_vm_write_watch(base, 16 * page, 1, pages, 16, &count), ERROR_SUCCESS);
    assert_int_equal(count, 1);
    assert_ptr_equal(pages[0], (void *)(bytes + 15 * page));
    /* WRITE_WATCH_FLAG_RESET reset them in the same call. */
    assert_int_equal(wm_vm_write_watch(base, 16 * page, 0, pages, 16, &count), ERROR_SUCCESS);
    assert_int_equal(count, 0);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_write_watch_on_a_region_without_it_fails(void **state)
{
    void *base = NULL;
    void *pages[4];
    SIZE_T count = 7;

    (void)state;
    assert_int_equal(wm_vm_allocate(NULL, wm_test_system.page_size, PAGE_READWRITE, &base),
                     ERROR_SUCCESS);
    /* test_write_watch: GetWriteWatch on memory not reserved with MEM_WRITE_WATCH (the
     * module's image there) fails with ERROR_INVALID_PARAMETER. */
    assert_int_equal(wm_vm_write_watch(base, wm_test_system.page_size, 0, pages, 4, &count),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(count, 0);
    assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
}

static void test_vm_new_functions_reject_invalid_parameters(void **state)
{
    void *base = (void *)(uintptr_t)1;
    void *pages[2];
    wm_vm_usage_t usage;
    SIZE_T count = 7;
    SIZE_T resident = 7;

    (void)state;
    assert_int_equal(wm_vm_reserve_ex(NULL, 1, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reserve_ex(NULL, 0, 0, &base), ERROR_INVALID_PARAMETER);
    assert_null(base);
    assert_int_equal(wm_vm_reserve_ex(NULL, 1, MEM_COMMIT, &base), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reserve_ex(NULL, 1, MEM_LARGE_PAGES, &base), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_query_range(&base, 1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_query_range(&base, 0, &usage), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_query_range((void *)(UINTPTR_MAX - 10), 100, &usage),
                     ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_vm_resident_pages(&base, 1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_resident_pages(NULL, 1, &resident), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_resident_pages(&base, 0, &resident), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reset(NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reset(&base, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reset_undo(NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_reset_undo(&base, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch(&base, 1, 0, pages, 2, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch(NULL, 1, 0, pages, 2, &count), ERROR_INVALID_PARAMETER);
    assert_int_equal(count, 0);
    assert_int_equal(wm_vm_write_watch(&base, 0, 0, pages, 2, &count), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch(&base, 1, 0, NULL, 2, &count), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch(&base, 1, 0, pages, 0, &count), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch_reset(NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_vm_write_watch_reset(&base, 0), ERROR_INVALID_PARAMETER);
}

/* ---- The sweep: each operation with each of its OS calls failing in turn. ---- */

static DWORD watch_write_and_read(void)
{
    void *base = NULL;
    void *pages[4];
    SIZE_T count = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_vm_reserve_ex(NULL, 4 * wm_test_system.page_size, WM_VM_WRITE_WATCH, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_vm_commit(base, 4 * wm_test_system.page_size, PAGE_READWRITE);
    if (error == ERROR_SUCCESS) {
        ((volatile unsigned char *)base)[0] = 1;
        error = wm_vm_write_watch(base, 4 * wm_test_system.page_size, 1, pages, 4, &count);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_vm_write_watch_reset(base, 4 * wm_test_system.page_size);
    }
    if (wm_vm_release(base) != ERROR_SUCCESS && error == ERROR_SUCCESS) {
        error = WM_TEST_INJECTED_ERROR;
    }
    return error;
}

static DWORD query_reset_and_residency(void)
{
    void *base = NULL;
    wm_vm_usage_t usage;
    SIZE_T resident = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_vm_reserve_ex(NULL, 4 * wm_test_system.page_size, WM_VM_TOP_DOWN, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_vm_commit(base, 2 * wm_test_system.page_size, PAGE_READWRITE);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_query_range(base, 4 * wm_test_system.page_size, &usage);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_vm_resident_pages(base, 2 * wm_test_system.page_size, &resident);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_vm_reset(base, 2 * wm_test_system.page_size);
    }
    if (wm_vm_release(base) != ERROR_SUCCESS && error == ERROR_SUCCESS) {
        error = WM_TEST_INJECTED_ERROR;
    }
    return error;
}

static void test_vm_every_injected_failure_is_reported_and_leaves_no_reservation(void **state)
{
    (void)state;
    wm_test_sweep("write watch", watch_write_and_read, 0);
    wm_test_sweep("query, residency, reset", query_reset_and_residency, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_reserve_starts_at_a_granularity_boundary_with_nothing_committed),
        cmocka_unit_test(test_vm_one_byte_reservation_takes_a_whole_page),
        cmocka_unit_test(test_vm_commit_of_two_bytes_across_a_page_boundary_commits_two_pages),
        cmocka_unit_test(test_vm_commit_outside_a_reservation_fails_with_invalid_address),
        cmocka_unit_test(test_vm_decommit_returns_pages_to_reserved_and_recommit_reads_zero),
        cmocka_unit_test(test_vm_release_from_an_interior_address_fails_and_frees_nothing),
        cmocka_unit_test(test_vm_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(test_vm_injected_failure_leaves_no_reservation, wm_test_teardown),
        cmocka_unit_test(test_vm_page_goes_free_reserved_committed_reserved_free),
        cmocka_unit_test(test_vm_release_with_a_size_fails_with_invalid_parameter),
        cmocka_unit_test(test_vm_reserving_a_gigabyte_adds_no_commit_charge),
        cmocka_unit_test(test_vm_free_page_after_a_small_reservation_cannot_be_reserved),
        cmocka_unit_test(test_vm_reserve_ex_top_down_lands_above_a_plain_reservation),
        cmocka_unit_test(test_vm_query_range_counts_committed_reserved_and_free_bytes),
        cmocka_unit_test(test_vm_resident_pages_counts_only_touched_committed_pages),
        cmocka_unit_test(test_vm_reset_keeps_pages_committed_and_reset_undo_keeps_its_promise),
        cmocka_unit_test(test_vm_write_watch_lists_exactly_the_written_pages_in_order),
        cmocka_unit_test(test_vm_write_watch_on_a_region_without_it_fails),
        cmocka_unit_test(test_vm_new_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_vm_every_injected_failure_is_reported_and_leaves_no_reservation, wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
