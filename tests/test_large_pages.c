/*
 * test_large_pages.c - large pages and AWE without (usually) the "Lock pages in memory"
 * right: the failure modes, the privilege probe, and the parameters.
 *
 * Each assertion accepts the documented Windows behaviour; under Wine it also accepts the
 * recorded deviation (docs/deviations.md, named by id beside the assertion), never a Wine
 * version's behaviour as the only outcome. Nothing assumes the privilege is missing: an
 * account (or a runtime) that holds it takes the other branch.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

static void test_large_page_minimum_is_zero_or_larger_than_a_page(void **state)
{
    SIZE_T minimum = 1;

    (void)state;
    assert_int_equal(wm_large_page_minimum(&minimum), ERROR_SUCCESS);
    /* GetLargePageMinimum (Microsoft Learn): the minimum size of a large page, or 0 without
     * large-page support. That it is a power of two is nowhere promised (2 MiB on x64 is a
     * value), so only "larger than a page" is asserted. */
    assert_true(minimum == 0 || minimum > wm_test_system.page_size);
}

static void test_large_page_allocation_fails_exactly_when_the_privilege_is_missing(void **state)
{
    SIZE_T minimum = 0;
    void *base = (void *)(uintptr_t)1;
    DWORD privilege = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    assert_int_equal(wm_large_page_minimum(&minimum), ERROR_SUCCESS);
    if (minimum == 0) {
        /* No large pages at all: the library refuses before calling VirtualAlloc. */
        assert_int_equal(wm_large_page_allocate(4096, &base), ERROR_INVALID_PARAMETER);
        return;
    }
    privilege = wm_large_page_enable_privilege();
    error = wm_large_page_allocate(minimum, &base);
    if (privilege == ERROR_NOT_ALL_ASSIGNED) {
        /* Large-Page Support (Microsoft Learn): without the privilege the allocation fails.
         * Which code it fails with is not documented (ERROR_PRIVILEGE_NOT_HELD was seen on
         * Windows once; Wine answers ERROR_INVALID_PARAMETER, wine-large-pages-rejected), so
         * the test asserts only the failure. */
        assert_int_not_equal(error, ERROR_SUCCESS);
        assert_null(base);
    } else {
        assert_int_equal(privilege, ERROR_SUCCESS);
        /* With the privilege it can still fail for want of contiguous RAM (Large-Page
         * Support: memory "may have become fragmented"); under Wine also the recorded
         * deviation wine-large-pages-rejected (ERROR_INVALID_PARAMETER). */
        if (error == ERROR_SUCCESS) {
            assert_int_equal((uintptr_t)base % minimum, 0);
            assert_int_equal(wm_vm_release(base), ERROR_SUCCESS);
        } else {
            assert_true(error == ERROR_NO_SYSTEM_RESOURCES ||
                        (wm_is_wine() && error == ERROR_INVALID_PARAMETER));
            assert_null(base);
        }
    }
}

static void test_awe_fails_exactly_when_the_privilege_is_missing(void **state)
{
    ULONG_PTR frames[2];
    ULONG_PTR count = 2;
    DWORD privilege = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    privilege = wm_large_page_enable_privilege();
    error = wm_awe_allocate(&count, frames);
    if (privilege != ERROR_SUCCESS) {
        /* AllocateUserPhysicalPages (Microsoft Learn), Remarks: without SeLockMemoryPrivilege
         * "the function will fail with ERROR_PRIVILEGE_NOT_HELD". Under Wine, or the
         * recorded deviation wine-awe-not-implemented: ERROR_CALL_NOT_IMPLEMENTED. */
        assert_true(error == ERROR_PRIVILEGE_NOT_HELD ||
                    (wm_is_wine() && error == ERROR_CALL_NOT_IMPLEMENTED));
    } else if (error == ERROR_SUCCESS) {
        /* "might be less than the number requested" */
        assert_true(count >= 1 && count <= 2);
        assert_int_equal(wm_awe_free(count, frames), ERROR_SUCCESS);
    } else {
        /* With the privilege: only the recorded deviation may fail the call here. */
        assert_true(wm_is_wine() && error == ERROR_CALL_NOT_IMPLEMENTED);
    }
}

static void test_large_page_functions_reject_invalid_parameters(void **state)
{
    SIZE_T minimum = 0;
    void *base = (void *)(uintptr_t)1;
    ULONG_PTR frames[1];
    ULONG_PTR count = 0;

    (void)state;
    assert_int_equal(wm_large_page_minimum(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_large_page_allocate(1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_large_page_allocate(0, &base), ERROR_INVALID_PARAMETER);
    assert_null(base);
    assert_int_equal(wm_large_page_minimum(&minimum), ERROR_SUCCESS);
    /* Not a multiple of the minimum: refused before any VirtualAlloc. */
    assert_int_equal(wm_large_page_allocate(minimum + 4096, &base), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_awe_allocate(NULL, frames), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_awe_allocate(&count, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_awe_allocate(&count, frames), ERROR_INVALID_PARAMETER); /* 0 pages */
    assert_int_equal(wm_awe_free(1, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_awe_free(0, frames), ERROR_INVALID_PARAMETER);
}

/* ---- The sweep: the token handle is closed on every path. ---- */

static DWORD enable_privilege(void)
{
    DWORD error = wm_large_page_enable_privilege();
    /* Not holding it is the probe's ordinary answer, not a failure of the operation. */
    return error == ERROR_NOT_ALL_ASSIGNED ? ERROR_SUCCESS : error;
}

static void test_large_page_privilege_probe_closes_its_token_on_every_failure(void **state)
{
    (void)state;
    wm_test_sweep("privilege probe", enable_privilege, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_page_minimum_is_zero_or_larger_than_a_page),
        cmocka_unit_test(test_large_page_allocation_fails_exactly_when_the_privilege_is_missing),
        cmocka_unit_test(test_awe_fails_exactly_when_the_privilege_is_missing),
        cmocka_unit_test(test_large_page_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(test_large_page_privilege_probe_closes_its_token_on_every_failure,
                                  wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
