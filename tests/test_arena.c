/*
 * test_arena.c - the arena allocator: alignment, growth in chunks, the reservation's end,
 * overflow, reset, release, and a fast path that makes no OS call.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* The arena most tests use: 1 MiB reserved, committed 64 KiB at a time. */
#define TEST_RESERVE (1024u * 1024u)
#define TEST_CHUNK (64u * 1024u)

static DWORD state_at(uintptr_t address)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T written = VirtualQuery((LPCVOID)address, &info, sizeof info);
    return written == 0 ? 0 : info.State;
}

static void test_arena_create_reserves_and_commits_nothing(void **state)
{
    wm_arena_t arena;
    wm_vm_usage_t usage;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(arena.base % wm_test_system.allocation_granularity, 0);
    assert_int_equal(arena.reserved_end - arena.base, TEST_RESERVE);
    assert_int_equal(wm_vm_query_range((void *)arena.base, TEST_RESERVE, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.reserved, TEST_RESERVE);
    assert_int_equal(usage.committed, 0);
    assert_int_equal(wm_arena_committed(&arena), 0);
    assert_int_equal(wm_arena_used(&arena), 0);
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_blocks_have_every_power_of_two_alignment(void **state)
{
    wm_arena_t arena;
    void *block = NULL;
    SIZE_T alignment = 0;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    for (alignment = 1; alignment <= 65536; alignment *= 2) {
        /* An odd size first, so the next block is never aligned by accident. */
        assert_int_equal(wm_arena_alloc(&arena, 3, 1, &block), ERROR_SUCCESS);
        assert_int_equal(wm_arena_alloc(&arena, 5, alignment, &block), ERROR_SUCCESS);
        assert_int_equal((uintptr_t)block % alignment, 0);
    }
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_commits_in_chunks_and_never_hands_out_uncommitted_memory(void **state)
{
    wm_arena_t arena;
    wm_vm_usage_t usage;
    unsigned char *block = NULL;
    void *raw = NULL;
    SIZE_T previous = 0;
    SIZE_T grows = 0;
    unsigned i = 0;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    for (i = 0; i < 3000; i++) {
        assert_int_equal(wm_arena_alloc(&arena, 100 + i % 50, 8, &raw), ERROR_SUCCESS);
        block = (unsigned char *)raw;
        /* What the OS says, not what the arena believes: every byte of the block is
         * committed, and writing all of it does not fault. */
        assert_int_equal(state_at((uintptr_t)block), MEM_COMMIT);
        assert_int_equal(state_at((uintptr_t)block + 100 + i % 50 - 1), MEM_COMMIT);
        memset(block, 0xEE, 100 + i % 50);
        assert_true(wm_arena_committed(&arena) % TEST_CHUNK == 0);
        assert_true(wm_arena_committed(&arena) >= wm_arena_used(&arena));
        if (wm_arena_committed(&arena) != previous) {
            grows++;
            assert_int_equal(wm_arena_committed(&arena) - previous, TEST_CHUNK);
            previous = wm_arena_committed(&arena);
        }
    }
    assert_int_equal(arena.grows, grows);
    assert_int_equal(wm_vm_query_range((void *)arena.base, TEST_RESERVE, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.committed, wm_arena_committed(&arena));
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_large_block_commits_several_chunks_at_once(void **state)
{
    wm_arena_t arena;
    void *block = NULL;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_alloc(&arena, 3 * TEST_CHUNK + 1, 16, &block), ERROR_SUCCESS);
    assert_int_equal(wm_arena_committed(&arena), 4 * TEST_CHUNK);
    assert_int_equal(arena.grows, 1);
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_full_reservation_fails_and_changes_nothing(void **state)
{
    wm_arena_t arena;
    wm_arena_t before;
    void *block = (void *)(uintptr_t)1;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_alloc(&arena, TEST_RESERVE - 8, 1, &block), ERROR_SUCCESS);
    assert_int_equal(wm_arena_committed(&arena), TEST_RESERVE);
    memcpy(&before, &arena, sizeof before);
    assert_int_equal(wm_arena_alloc(&arena, 16, 1, &block), ERROR_NOT_ENOUGH_MEMORY);
    assert_null(block);
    assert_memory_equal(&before, &arena, sizeof arena);
    assert_int_equal(wm_arena_alloc(&arena, 8, 1, &block), ERROR_SUCCESS); /* still fits */
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_overflowing_sizes_fail_with_arithmetic_overflow(void **state)
{
    wm_arena_t arena;
    void *block = (void *)(uintptr_t)1;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_alloc(&arena, (SIZE_T)-1, 1, &block), ERROR_ARITHMETIC_OVERFLOW);
    assert_null(block);
    assert_int_equal(wm_arena_alloc(&arena, (SIZE_T)-1 - 2, 16, &block), ERROR_ARITHMETIC_OVERFLOW);
    /* An alignment so large that the first aligned address is past the reservation. */
    assert_int_equal(wm_arena_alloc(&arena, 1, (SIZE_T)1 << (sizeof(SIZE_T) * 8 - 1), &block),
                     ERROR_NOT_ENOUGH_MEMORY);
    assert_int_equal(wm_arena_used(&arena), 0);
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_create((SIZE_T)-1, TEST_CHUNK, &arena), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(arena.base, 0);
}

static void test_arena_reset_keeps_or_decommits_pages_and_release_frees(void **state)
{
    wm_arena_t arena;
    wm_vm_usage_t usage;
    unsigned char *block = NULL;
    void *raw = NULL;
    uintptr_t base = 0;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    base = arena.base;
    assert_int_equal(wm_arena_alloc(&arena, 2 * TEST_CHUNK, 1, &raw), ERROR_SUCCESS);
    block = (unsigned char *)raw;
    memset(block, 0x77, 2 * TEST_CHUNK);

    /* Keep: the pages stay committed, with their old contents. */
    assert_int_equal(wm_arena_reset(&arena, 1), ERROR_SUCCESS);
    assert_int_equal(wm_arena_used(&arena), 0);
    assert_int_equal(wm_arena_committed(&arena), 2 * TEST_CHUNK);
    assert_int_equal(wm_arena_alloc(&arena, 16, 1, &raw), ERROR_SUCCESS);
    assert_ptr_equal(raw, (void *)base);
    assert_int_equal(((unsigned char *)raw)[0], 0x77);

    /* Decommit: back to reserved; the next block is a fresh zero page. */
    assert_int_equal(wm_arena_reset(&arena, 0), ERROR_SUCCESS);
    assert_int_equal(wm_vm_query_range((void *)base, TEST_RESERVE, &usage), ERROR_SUCCESS);
    assert_int_equal(usage.committed, 0);
    assert_int_equal(usage.reserved, TEST_RESERVE);
    assert_int_equal(wm_arena_alloc(&arena, 16, 1, &raw), ERROR_SUCCESS);
    assert_int_equal(((unsigned char *)raw)[0], 0);

    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
    assert_int_equal(state_at(base), MEM_FREE);
    assert_int_equal(arena.base, 0);
}

static void test_arena_fast_path_makes_no_os_call(void **state)
{
    wm_arena_t arena;
    void *block = NULL;
    unsigned long calls = 0;
    unsigned i = 0;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_alloc(&arena, 8, 8, &block), ERROR_SUCCESS); /* commits a chunk */
    /* The injector counts every OS call; none is expected while blocks fit the chunk. */
    wm_os_fault_arm(WM_TEST_MAX_CALLS, WM_TEST_INJECTED_ERROR);
    for (i = 0; i < 1000; i++) {
        assert_int_equal(wm_arena_alloc(&arena, 32, 8, &block), ERROR_SUCCESS);
    }
    calls = wm_os_fault_disarm();
    assert_int_equal(calls, 0);
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
}

static void test_arena_functions_reject_invalid_parameters(void **state)
{
    wm_arena_t arena;
    void *block = (void *)(uintptr_t)1;

    (void)state;
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_create(0, TEST_CHUNK, &arena), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_create(TEST_RESERVE, 0, &arena), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_create(TEST_CHUNK, 2 * (SIZE_T)TEST_RESERVE, &arena),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_alloc(NULL, 8, 8, &block), ERROR_INVALID_PARAMETER);
    assert_null(block);
    assert_int_equal(wm_arena_alloc(&arena, 8, 8, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_alloc(&arena, 0, 8, &block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_alloc(&arena, 8, 0, &block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_alloc(&arena, 8, 24, &block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_used(&arena), 0);
    assert_int_equal(wm_arena_reset(NULL, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_release(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_release(&arena), ERROR_SUCCESS);
    assert_int_equal(wm_arena_reset(&arena, 1), ERROR_INVALID_PARAMETER); /* released */
    assert_int_equal(wm_arena_release(&arena), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_arena_used(NULL), 0);
    assert_int_equal(wm_arena_committed(NULL), 0);
}

/* ---- The sweep. ---- */

static DWORD grow_reset_and_release(void)
{
    wm_arena_t arena;
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;
    unsigned i = 0;

    error = wm_arena_create(TEST_RESERVE, TEST_CHUNK, &arena);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    for (i = 0; i < 3 && error == ERROR_SUCCESS; i++) {
        error = wm_arena_alloc(&arena, TEST_CHUNK - 8, 16, &block);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_arena_reset(&arena, 0);
    }
    if (wm_arena_release(&arena) != ERROR_SUCCESS && error == ERROR_SUCCESS) {
        error = WM_TEST_INJECTED_ERROR;
    }
    return error;
}

static void test_arena_every_injected_failure_is_reported_and_leaves_no_reservation(void **state)
{
    (void)state;
    wm_test_sweep("arena", grow_reset_and_release, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_create_reserves_and_commits_nothing),
        cmocka_unit_test(test_arena_blocks_have_every_power_of_two_alignment),
        cmocka_unit_test(test_arena_commits_in_chunks_and_never_hands_out_uncommitted_memory),
        cmocka_unit_test(test_arena_large_block_commits_several_chunks_at_once),
        cmocka_unit_test(test_arena_full_reservation_fails_and_changes_nothing),
        cmocka_unit_test(test_arena_overflowing_sizes_fail_with_arithmetic_overflow),
        cmocka_unit_test(test_arena_reset_keeps_or_decommits_pages_and_release_frees),
        cmocka_unit_test_teardown(test_arena_fast_path_makes_no_os_call, wm_test_teardown),
        cmocka_unit_test(test_arena_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_arena_every_injected_failure_is_reported_and_leaves_no_reservation,
            wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, wm_test_group_setup, NULL);
}
