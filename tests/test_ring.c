/*
 * test_ring.c - the ring buffer mapped twice: both views alias, wrap-around is byte-exact,
 * each method does what it says, and nothing is left behind.
 *
 * Placeholders (VirtualAlloc2, MapViewOfFile3) exist on Windows 10 version 1803 and later
 * (Wine's kernelbase/tests/process.c, test_VirtualAlloc2). Some Wine versions export the
 * functions but reject MEM_RESERVE_PLACEHOLDER with ERROR_INVALID_PARAMETER (docs/
 * deviations.md). The tests accept the Windows outcome everywhere and that deviation only
 * under Wine, whichever they observe.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* Checks what the OS says about a ring: two MEM_MAPPED views back to back. */
static void assert_two_adjacent_views(const wm_ring_t *ring)
{
    MEMORY_BASIC_INFORMATION first;
    MEMORY_BASIC_INFORMATION second;

    assert_int_equal(VirtualQuery(ring->base, &first, sizeof first), sizeof first);
    assert_int_equal(VirtualQuery(ring->base + ring->size, &second, sizeof second), sizeof second);
    assert_int_equal(first.Type, MEM_MAPPED);
    assert_int_equal(second.Type, MEM_MAPPED);
    assert_ptr_equal(first.AllocationBase, ring->base);
    assert_ptr_equal(second.AllocationBase, ring->base + ring->size);
}

static void test_ring_views_alias_byte_for_byte(void **state)
{
    wm_ring_t ring;
    volatile unsigned char *bytes = NULL;

    (void)state;
    assert_int_equal(wm_ring_create(1, WM_RING_ANY, &ring), ERROR_SUCCESS);
    assert_int_equal(ring.size, wm_test_system.allocation_granularity); /* rounded up */
    assert_two_adjacent_views(&ring);
    bytes = ring.base;
    bytes[0] = 0x11;
    bytes[ring.size - 1] = 0x22;
    bytes[ring.size + 5] = 0x33; /* through the second view */
    assert_int_equal(bytes[ring.size], 0x11);
    assert_int_equal(bytes[2 * ring.size - 1], 0x22);
    assert_int_equal(bytes[5], 0x33);
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
}

static void test_ring_write_across_the_end_reads_back_byte_exact(void **state)
{
    wm_ring_t ring;
    unsigned char message[5000];
    unsigned char back[5000];
    unsigned char filler[1000];
    SIZE_T i = 0;
    SIZE_T lap = 0;

    (void)state;
    for (i = 0; i < sizeof message; i++) {
        message[i] = (unsigned char)(i * 7 + 3);
    }
    memset(filler, 0, sizeof filler);
    assert_int_equal(wm_ring_create(wm_test_system.allocation_granularity, WM_RING_ANY, &ring),
                     ERROR_SUCCESS);
    /* Many laps, so the message crosses the end at many offsets. */
    for (lap = 0; lap < 100; lap++) {
        assert_int_equal(wm_ring_write(&ring, filler, 333), ERROR_SUCCESS);
        assert_int_equal(wm_ring_read(&ring, filler, 333), ERROR_SUCCESS);
        assert_int_equal(wm_ring_write(&ring, message, sizeof message), ERROR_SUCCESS);
        memset(back, 0, sizeof back);
        assert_int_equal(wm_ring_read(&ring, back, sizeof back), ERROR_SUCCESS);
        assert_memory_equal(message, back, sizeof message);
    }
    assert_true(ring.head > 2 * ring.size); /* it did wrap, more than once */
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
}

static void test_ring_full_and_empty_are_refused(void **state)
{
    wm_ring_t ring;
    unsigned char chunk[1000];
    unsigned char byte = 0;

    (void)state;
    memset(chunk, 0x42, sizeof chunk);
    assert_int_equal(wm_ring_create(1, WM_RING_ANY, &ring), ERROR_SUCCESS);
    assert_int_equal(wm_ring_read(&ring, &byte, 1), ERROR_NO_DATA);
    while (ring.head + sizeof chunk <= ring.size) {
        assert_int_equal(wm_ring_write(&ring, chunk, sizeof chunk), ERROR_SUCCESS);
    }
    assert_int_equal(wm_ring_write(&ring, chunk, sizeof chunk), ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(wm_ring_write(&ring, chunk, (SIZE_T)(ring.size - ring.head)), ERROR_SUCCESS);
    assert_int_equal(wm_ring_write(&ring, &byte, 1), ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(ring.head - ring.tail, ring.size);
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
}

static void test_ring_any_method_uses_placeholders_where_they_exist_else_remaps(void **state)
{
    wm_ring_t ring;

    (void)state;
    assert_int_equal(wm_ring_create(1, WM_RING_ANY, &ring), ERROR_SUCCESS);
    if (ring.placeholder_error == ERROR_SUCCESS) {
        /* Windows 10 1803+: a placeholder reservation, split, and two views replacing the
         * halves (kernelbase/tests/process.c, test_VirtualAlloc2). */
        assert_int_equal(ring.method, WM_RING_PLACEHOLDER);
        assert_int_equal(ring.attempts, 0);
    } else if (ring.placeholder_error == ERROR_PROC_NOT_FOUND) {
        /* Windows before 10 version 1803: no VirtualAlloc2, so the fallback. */
        assert_int_equal(ring.method, WM_RING_REMAP);
    } else {
        /* The recorded deviation wine-placeholders-rejected (docs/deviations.md). */
        assert_true(wm_is_wine());
        assert_int_equal(ring.placeholder_error, ERROR_INVALID_PARAMETER);
        assert_int_equal(ring.method, WM_RING_REMAP);
        assert_true(ring.attempts >= 1 && ring.attempts <= WM_RING_ATTEMPTS);
    }
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
}

static void test_ring_placeholder_method_alone_works_or_fails_cleanly(void **state)
{
    wm_ring_t ring;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    wm_test_count_resources();
    error = wm_ring_create(1, WM_RING_PLACEHOLDER, &ring);
    if (error == ERROR_SUCCESS) {
        /* Windows 10 1803+ (kernelbase/tests/process.c, test_VirtualAlloc2). */
        assert_int_equal(ring.method, WM_RING_PLACEHOLDER);
        assert_two_adjacent_views(&ring);
        assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
    } else if (error == ERROR_PROC_NOT_FOUND) {
        /* Windows before 10 version 1803: no VirtualAlloc2 at all. */
        assert_false(wm_is_wine());
        assert_null(ring.base);
    } else {
        /* wine-placeholders-rejected: refused with 87, and nothing left behind. */
        assert_true(wm_is_wine());
        assert_int_equal(error, ERROR_INVALID_PARAMETER);
        assert_null(ring.base);
    }
    assert_true(wm_test_nothing_held());
    wm_test_stop_counting();
}

static void test_ring_remap_method_works_everywhere_and_destroy_frees_both_views(void **state)
{
    wm_ring_t ring;
    unsigned char *base = NULL;
    SIZE_T size = 0;

    (void)state;
    wm_test_count_resources();
    assert_int_equal(
        wm_ring_create(3 * wm_test_system.allocation_granularity, WM_RING_REMAP, &ring),
        ERROR_SUCCESS);
    assert_int_equal(ring.method, WM_RING_REMAP);
    assert_int_equal(ring.size, 3 * wm_test_system.allocation_granularity);
    assert_two_adjacent_views(&ring);
    assert_int_equal(wm_test_resources.views, 2);
    assert_int_equal(wm_test_resources.handles, 1);
    base = ring.base;
    size = ring.size;
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
    assert_true(wm_test_nothing_held());
    wm_test_stop_counting();
    assert_int_equal(wm_test_state_at(base), MEM_FREE);
    assert_int_equal(wm_test_state_at(base + size), MEM_FREE);
    assert_null(ring.base);
}

static void test_ring_functions_reject_invalid_parameters(void **state)
{
    wm_ring_t ring;
    wm_ring_t empty;
    unsigned char byte = 0;

    (void)state;
    memset(&empty, 0, sizeof empty);
    assert_int_equal(wm_ring_create(1, WM_RING_ANY, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_create(0, WM_RING_ANY, &ring), ERROR_INVALID_PARAMETER);
    assert_null(ring.base);
    assert_int_equal(wm_ring_create(1, (wm_ring_method_t)42, &ring), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_create((SIZE_T)-1, WM_RING_ANY, &ring), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_ring_destroy(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_destroy(&empty), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_write(NULL, &byte, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_write(&empty, &byte, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_read(NULL, &byte, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_read(&empty, &byte, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_create(1, WM_RING_ANY, &ring), ERROR_SUCCESS);
    assert_int_equal(wm_ring_write(&ring, NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_read(&ring, NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_ring_destroy(&ring), ERROR_SUCCESS);
    assert_string_equal(wm_ring_method_name(WM_RING_PLACEHOLDER),
                        "placeholders (VirtualAlloc2 + MapViewOfFile3)");
    assert_string_equal(wm_ring_method_name(WM_RING_ANY), "?");
}

/* ---- The sweep. ---- */

/* Destroys ring even when one of its OS calls was made to fail (a second try finishes). */
static DWORD destroy_fully(wm_ring_t *ring)
{
    DWORD error = wm_ring_destroy(ring);

    if (error != ERROR_SUCCESS && ring->base != NULL) {
        (void)wm_ring_destroy(ring);
    }
    return error;
}

static DWORD ring_with(wm_ring_method_t method)
{
    wm_ring_t ring;
    unsigned char bytes[16];
    DWORD error = ERROR_SUCCESS;
    DWORD destroy_error = ERROR_SUCCESS;

    memset(bytes, 0, sizeof bytes);
    error = wm_ring_create(1, method, &ring);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_ring_write(&ring, bytes, sizeof bytes);
    destroy_error = destroy_fully(&ring);
    return error != ERROR_SUCCESS ? error : destroy_error;
}

static DWORD ring_any(void)
{
    return ring_with(WM_RING_ANY);
}

static DWORD ring_remap(void)
{
    return ring_with(WM_RING_REMAP);
}

static void test_ring_every_injected_failure_is_reported_and_leaves_nothing_held(void **state)
{
    (void)state;
    /* A failed map is retried, and failed placeholders fall back: both may still succeed. */
    wm_test_sweep("ring, any method", ring_any, WM_TEST_SWEEP_FALLBACK_OK);
    wm_test_sweep("ring, remap", ring_remap, WM_TEST_SWEEP_FALLBACK_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_views_alias_byte_for_byte),
        cmocka_unit_test(test_ring_write_across_the_end_reads_back_byte_exact),
        cmocka_unit_test(test_ring_full_and_empty_are_refused),
        cmocka_unit_test(test_ring_any_method_uses_placeholders_where_they_exist_else_remaps),
        cmocka_unit_test_teardown(test_ring_placeholder_method_alone_works_or_fails_cleanly,
                                  wm_test_teardown),
        cmocka_unit_test_teardown(
            test_ring_remap_method_works_everywhere_and_destroy_frees_both_views, wm_test_teardown),
        cmocka_unit_test(test_ring_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_ring_every_injected_failure_is_reported_and_leaves_nothing_held, wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
