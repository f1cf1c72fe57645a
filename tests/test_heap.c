/*
 * test_heap.c - heaps: private heaps, blocks, flags, walks, the heap list, heap information,
 * leak snapshots, invalid parameters, and every injected failure.
 *
 * What the OS reports is checked with the OS itself (VirtualQuery, HeapWalk, GetProcessHeaps)
 * where the library could be fooling itself. Where a runtime deviates from Windows (no LFH,
 * HeapCompact always 0: docs/deviations.md), a test accepts the Windows behaviour everywhere
 * and the recorded deviation only under Wine, whichever it observes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

/* The block sizes of the lesson's step 2. */
static const SIZE_T lesson_sizes[] = {1, 16, 100, 1000, 10000};
#define LESSON_SIZE_COUNT (sizeof lesson_sizes / sizeof lesson_sizes[0])

/* A block this large is served by VirtualAlloc directly (HeapCreate: blocks beyond a
 * fixed-size heap's limit, just under 1 MiB on x64, come from VirtualAlloc). */
#define LARGE_BLOCK (2u * 1024u * 1024u)

/* A fixed-size heap for the limit tests: 4 MiB, room for a block just under 1 MiB. */
#define FIXED_MAXIMUM (4u * 1024u * 1024u)
#define UNDER_THE_LIMIT (900u * 1024u)
#define OVER_THE_LIMIT (1100u * 1024u)

/* Block sizes for the zeroing and realloc tests (sizes, not pages). */
#define SMALL_BLOCK 64
#define GROWN_BLOCK 4096

static wm_system_t system_facts;
/* 1 under Wine, read once: a fault injected into wm_is_wine's own lookups must not change
 * which functions a test calls. */
static int under_wine = 0;
/* A growable private heap shared by the tests that need no fresh heap. */
static HANDLE shared_heap = NULL;
/* A heap only the sweep uses, so its walks stay short: a walk makes one OS call per entry. */
static HANDLE sweep_heap = NULL;

static int group_setup(void **state)
{
    (void)state;
    if (wm_system_query(&system_facts) != ERROR_SUCCESS) {
        return -1;
    }
    under_wine = wm_is_wine();
    if (wm_heap_create(0, 0, 0, &sweep_heap) != ERROR_SUCCESS) {
        return -1;
    }
    return wm_heap_create(0, 0, 0, &shared_heap) == ERROR_SUCCESS ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (wm_heap_destroy(sweep_heap) != ERROR_SUCCESS) {
        return -1;
    }
    return wm_heap_destroy(shared_heap) == ERROR_SUCCESS ? 0 : -1;
}

/* ---- The process's heaps ---- */

static void test_heap_process_heap_is_the_default_in_the_process_list(void **state)
{
    wm_heap_list_t list;
    HANDLE process_heap = NULL;

    (void)state;
    assert_int_equal(wm_heap_process(&process_heap), ERROR_SUCCESS);
    assert_ptr_equal(process_heap, GetProcessHeap());
    assert_int_equal(wm_heap_list(&list), ERROR_SUCCESS);
    assert_true(list.total >= 1);
    assert_true(list.count >= 1 && list.count <= list.total);
    assert_int_not_equal(list.default_index, WM_HEAP_NOT_FOUND);
    assert_ptr_equal(list.heaps[list.default_index], process_heap);
}

static void test_heap_create_lists_the_heap_and_destroy_unlists_it(void **state)
{
    wm_heap_list_t before;
    wm_heap_list_t during;
    wm_heap_list_t after;
    HANDLE heap = NULL;

    (void)state;
    assert_int_equal(wm_heap_list(&before), ERROR_SUCCESS);
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_non_null(heap);
    assert_int_equal(wm_heap_list(&during), ERROR_SUCCESS);
    assert_int_equal(during.total, before.total + 1);
    assert_int_not_equal(wm_heap_list_index(&during, heap), WM_HEAP_NOT_FOUND);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_list(&after), ERROR_SUCCESS);
    assert_int_equal(after.total, before.total);
    assert_int_equal(wm_heap_list_index(&after, heap), WM_HEAP_NOT_FOUND);
}

/* ---- Blocks ---- */

static void test_heap_size_reports_the_size_asked_for(void **state)
{
    void *blocks[LESSON_SIZE_COUNT];
    SIZE_T size = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < LESSON_SIZE_COUNT; i++) {
        assert_int_equal(wm_heap_alloc(shared_heap, 0, lesson_sizes[i], &blocks[i]), ERROR_SUCCESS);
        /* HeapAlloc returns memory aligned to MEMORY_ALLOCATION_ALIGNMENT (16 on x64). */
        assert_int_equal((uintptr_t)blocks[i] % MEMORY_ALLOCATION_ALIGNMENT, 0);
        assert_int_equal(wm_heap_size(shared_heap, 0, blocks[i], &size), ERROR_SUCCESS);
        assert_int_equal(size, lesson_sizes[i]);
    }
    for (i = 0; i < LESSON_SIZE_COUNT; i++) {
        assert_int_equal(wm_heap_free(shared_heap, 0, blocks[i]), ERROR_SUCCESS);
    }
}

static void test_heap_zero_memory_gives_a_zeroed_block(void **state)
{
    unsigned char *block = NULL;
    void *allocated = NULL;
    size_t i = 0;
    int all_zero = 1;

    (void)state;
    assert_int_equal(wm_heap_alloc(shared_heap, HEAP_ZERO_MEMORY, GROWN_BLOCK, &allocated),
                     ERROR_SUCCESS);
    block = (unsigned char *)allocated;
    for (i = 0; i < GROWN_BLOCK; i++) {
        all_zero = all_zero && block[i] == 0;
    }
    assert_true(all_zero);
    assert_int_equal(wm_heap_free(shared_heap, 0, allocated), ERROR_SUCCESS);
}

static void test_heap_realloc_grow_keeps_the_contents_and_zeroes_the_tail(void **state)
{
    unsigned char *block = NULL;
    void *allocated = NULL;
    void *resized = NULL;
    SIZE_T size = 0;
    size_t i = 0;
    int kept = 1;
    int zeroed = 1;

    (void)state;
    assert_int_equal(wm_heap_alloc(shared_heap, 0, SMALL_BLOCK, &allocated), ERROR_SUCCESS);
    memset(allocated, 0xAB, SMALL_BLOCK);
    assert_int_equal(
        wm_heap_realloc(shared_heap, HEAP_ZERO_MEMORY, allocated, GROWN_BLOCK, &resized),
        ERROR_SUCCESS);
    block = (unsigned char *)resized;
    for (i = 0; i < SMALL_BLOCK; i++) {
        kept = kept && block[i] == 0xAB;
    }
    for (i = SMALL_BLOCK; i < GROWN_BLOCK; i++) {
        zeroed = zeroed && block[i] == 0;
    }
    assert_true(kept);
    assert_true(zeroed);
    assert_int_equal(wm_heap_size(shared_heap, 0, resized, &size), ERROR_SUCCESS);
    assert_int_equal(size, GROWN_BLOCK);
    assert_int_equal(wm_heap_free(shared_heap, 0, resized), ERROR_SUCCESS);
}

static void test_heap_realloc_in_place_only_never_moves_the_block(void **state)
{
    HANDLE heap = NULL;
    void *first = NULL;
    void *neighbour = NULL;
    void *resized = NULL;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    /* A heap of its own: in the shared heap, earlier tests' same-size blocks may have
     * switched the LFH on (Windows does after about 0x11 of one size), whose slots follow
     * other rules. */
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 32, &first), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 32, &neighbour), ERROR_SUCCESS);
    /* Whether the grow fits depends on what follows the block: either way it must not move. */
    error = wm_heap_realloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, first, 64 * 1024, &resized);
    if (error == ERROR_SUCCESS) {
        assert_ptr_equal(resized, first);
    } else {
        assert_int_equal(error, ERROR_NOT_ENOUGH_MEMORY);
        assert_ptr_equal(resized, first); /* the caller keeps the original block */
    }
    /* Shrinking a small block in place works (Wine's test_HeapCreate, "shrinking a small-ish
     * block in place"). */
    assert_int_equal(wm_heap_realloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, resized, 8, &first),
                     ERROR_SUCCESS);
    assert_ptr_equal(first, resized);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_no_serialize_heap_allocates_and_frees(void **state)
{
    HANDLE heap = NULL;
    void *block = NULL;

    (void)state;
    assert_int_equal(wm_heap_create(HEAP_NO_SERIALIZE, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, HEAP_NO_SERIALIZE, 100, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_free(heap, HEAP_NO_SERIALIZE, block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

/* ---- Fixed-size heaps and large blocks ---- */

static void test_heap_fixed_size_heap_runs_out_with_not_enough_memory(void **state)
{
    HANDLE heap = NULL;
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;
    unsigned blocks = 0;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 64 * 1024, &heap), ERROR_SUCCESS);
    /* 1000-byte blocks until it fails; a 64 KiB heap holds fewer than 66 of them. */
    while (blocks < 1000) {
        error = wm_heap_alloc(heap, 0, 1000, &block);
        if (error != ERROR_SUCCESS) {
            break;
        }
        blocks++;
    }
    assert_int_equal(error, ERROR_NOT_ENOUGH_MEMORY);
    assert_null(block);
    assert_true(blocks > 0 && blocks < 66);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_fixed_size_heap_limits_one_block_to_under_1_mib(void **state)
{
    HANDLE heap = NULL;
    void *under = NULL;
    void *over = NULL;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, FIXED_MAXIMUM, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, UNDER_THE_LIMIT, &under), ERROR_SUCCESS);
    /* HeapCreate: in a fixed-size heap a block is limited to just under 1024 KiB on x64,
     * even when the heap has room. */
    assert_int_equal(wm_heap_alloc(heap, 0, OVER_THE_LIMIT, &over), ERROR_NOT_ENOUGH_MEMORY);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_large_block_has_an_allocation_of_its_own(void **state)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE heap = NULL;
    void *block = NULL;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, LARGE_BLOCK, &block), ERROR_SUCCESS);
    assert_int_equal(VirtualQuery(block, &info, sizeof info), sizeof info);
    assert_int_equal(info.State, MEM_COMMIT);
    assert_int_equal(info.Type, MEM_PRIVATE);
    /* Its own allocation, outside the heap's region. Where it starts is not promised: since
     * Windows 8 a random run of reserved pages may come before the block, so only "at or
     * below the block" holds. Its committed pages cover all of it. */
    assert_ptr_not_equal(info.AllocationBase, heap);
    assert_true((uintptr_t)info.AllocationBase <= (uintptr_t)block);
    assert_true((uintptr_t)info.BaseAddress + info.RegionSize >= (uintptr_t)block + LARGE_BLOCK);
    assert_int_equal(wm_heap_free(heap, 0, block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_destroy_releases_the_heap_regions(void **state)
{
    HANDLE heap = NULL;
    void *small = NULL;
    void *large = NULL;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 100, &small), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, LARGE_BLOCK, &large), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(small), MEM_COMMIT);
    assert_int_equal(wm_test_state_at(large), MEM_COMMIT);
    /* No HeapFree first: HeapDestroy takes every block with the heap. */
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
    assert_int_equal(wm_test_state_at(small), MEM_FREE);
    assert_int_equal(wm_test_state_at(large), MEM_FREE);
}

/* ---- Walks ---- */

/* What the visitor saw of a walk. */
typedef struct walk_seen_s
{
    void *const *wanted; /* the blocks to look for */
    size_t wanted_count;
    size_t found;         /* how many of them appeared as busy blocks */
    size_t visited;       /* entries seen */
    WORD first_flags;     /* the first entry's flags */
    SIZE_T most_overhead; /* the largest cbOverhead of a busy block */
    size_t stop_after;    /* stop after this many entries; 0 = never */
} walk_seen_t;

static int see_entry(void *context, const wm_heap_entry_t *entry)
{
    walk_seen_t *seen = (walk_seen_t *)context;
    size_t i = 0;

    if (seen->visited == 0) {
        seen->first_flags = entry->flags;
    }
    seen->visited++;
    if ((entry->flags & PROCESS_HEAP_ENTRY_BUSY) != 0) {
        for (i = 0; i < seen->wanted_count; i++) {
            if ((uintptr_t)seen->wanted[i] == entry->address) {
                seen->found++;
            }
        }
        if (entry->overhead > seen->most_overhead) {
            seen->most_overhead = entry->overhead;
        }
    }
    return seen->stop_after != 0 && seen->visited >= seen->stop_after;
}

static void test_heap_walk_summary_is_consistent_with_the_live_blocks(void **state)
{
    wm_heap_summary_t summary;
    walk_seen_t seen;
    HANDLE heap = NULL;
    void *blocks[LESSON_SIZE_COUNT];
    SIZE_T requested = 0;
    size_t i = 0;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    for (i = 0; i < LESSON_SIZE_COUNT; i++) {
        assert_int_equal(wm_heap_alloc(heap, 0, lesson_sizes[i], &blocks[i]), ERROR_SUCCESS);
        requested += lesson_sizes[i];
    }
    memset(&seen, 0, sizeof seen);
    seen.wanted = blocks;
    seen.wanted_count = LESSON_SIZE_COUNT;
    assert_int_equal(wm_heap_walk(heap, &summary, see_entry, &seen), ERROR_SUCCESS);

    /* HeapWalk: the first entry is the heap's first region. */
    assert_true((seen.first_flags & PROCESS_HEAP_REGION) != 0);
    assert_int_equal(seen.found, LESSON_SIZE_COUNT);
    assert_int_equal(seen.visited, summary.entries);
    assert_true(summary.regions >= 1);
    assert_true(summary.busy_blocks >= LESSON_SIZE_COUNT);
    assert_true(summary.busy_bytes >= requested);
    assert_true(summary.committed_bytes > 0);
    assert_int_equal(summary.entries, summary.regions + summary.uncommitted_ranges +
                                          summary.busy_blocks + summary.free_blocks);
    assert_true(summary.largest_free <= summary.free_bytes);
    /* The committed pages hold the blocks, their overhead and the free space. */
    assert_true(summary.busy_bytes + summary.busy_overhead + summary.free_bytes <=
                summary.committed_bytes);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_walk_stops_when_the_visitor_says_so(void **state)
{
    wm_heap_summary_t summary;
    walk_seen_t seen;

    (void)state;
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(wm_heap_walk(shared_heap, &summary, see_entry, &seen), ERROR_SUCCESS);
    assert_int_equal(seen.visited, 1);
    assert_int_equal(summary.entries, 1);
}

static void test_heap_walk_of_a_fresh_heap_shows_a_region_and_free_space(void **state)
{
    wm_heap_summary_t summary;
    HANDLE heap = NULL;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_walk(heap, &summary, NULL, NULL), ERROR_SUCCESS);
    assert_true(summary.regions >= 1);
    assert_true(summary.free_blocks >= 1);
    assert_true(summary.largest_free > 0);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

/* ---- Leak snapshots ---- */

static void test_heap_snapshot_diff_finds_exactly_the_blocks_allocated_between(void **state)
{
    wm_heap_snapshot_t before;
    wm_heap_snapshot_t after;
    wm_heap_snapshot_t appeared;
    HANDLE heap = NULL;
    void *old_block = NULL;
    void *freed_block = NULL;
    void *new_blocks[3] = {NULL, NULL, NULL};
    const SIZE_T new_sizes[3] = {24, 300, 5000};
    size_t i = 0;
    size_t j = 0;
    int found = 0;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 40, &old_block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 80, &freed_block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_take(heap, &before), ERROR_SUCCESS);
    assert_true(before.count >= 2);

    /* Between the snapshots: three new blocks, one old block freed. */
    for (i = 0; i < 3; i++) {
        assert_int_equal(wm_heap_alloc(heap, 0, new_sizes[i], &new_blocks[i]), ERROR_SUCCESS);
    }
    assert_int_equal(wm_heap_free(heap, 0, freed_block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_take(heap, &after), ERROR_SUCCESS);
    assert_int_equal(after.count, before.count + 3 - 1);

    assert_int_equal(wm_heap_snapshot_diff(&before, &after, &appeared), ERROR_SUCCESS);
    assert_int_equal(appeared.count, 3);
    for (i = 0; i < 3; i++) {
        found = 0;
        for (j = 0; j < appeared.count; j++) {
            if (appeared.blocks[j].address == (uintptr_t)new_blocks[i]) {
                assert_int_equal(appeared.blocks[j].size, new_sizes[i]);
                found = 1;
            }
        }
        assert_true(found);
    }
    /* Sorted by address. */
    for (j = 1; j < appeared.count; j++) {
        assert_true(appeared.blocks[j - 1].address < appeared.blocks[j].address);
    }
    assert_int_equal(wm_heap_snapshot_free(&appeared), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_free(&after), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_free(&before), ERROR_SUCCESS);
    assert_null(before.blocks);
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_snapshot_diff_of_an_unchanged_heap_is_empty(void **state)
{
    wm_heap_snapshot_t before;
    wm_heap_snapshot_t after;
    wm_heap_snapshot_t appeared;
    void *block = NULL;

    (void)state;
    assert_int_equal(wm_heap_alloc(shared_heap, 0, 64, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_take(shared_heap, &before), ERROR_SUCCESS);
    /* Taking a snapshot does not allocate from the heap it records. */
    assert_int_equal(wm_heap_snapshot_take(shared_heap, &after), ERROR_SUCCESS);
    assert_int_equal(after.count, before.count);
    assert_int_equal(wm_heap_snapshot_diff(&before, &after, &appeared), ERROR_SUCCESS);
    assert_int_equal(appeared.count, 0);
    assert_null(appeared.blocks);
    assert_int_equal(wm_heap_snapshot_free(&appeared), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_free(&after), ERROR_SUCCESS);
    assert_int_equal(wm_heap_snapshot_free(&before), ERROR_SUCCESS);
    assert_int_equal(wm_heap_free(shared_heap, 0, block), ERROR_SUCCESS);
}

/* ---- Validate, compact, lock, heap information ---- */

static void test_heap_validate_accepts_a_healthy_heap_and_its_blocks(void **state)
{
    void *block = NULL;
    int valid = 0;

    (void)state;
    assert_int_equal(wm_heap_alloc(shared_heap, 0, 128, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_validate(shared_heap, 0, NULL, &valid), ERROR_SUCCESS);
    assert_int_equal(valid, 1);
    assert_int_equal(wm_heap_validate(shared_heap, 0, block, &valid), ERROR_SUCCESS);
    assert_int_equal(valid, 1);
    /* A pointer into the middle of a block is not a block. */
    assert_int_equal(wm_heap_validate(shared_heap, 0, (char *)block + 16, &valid), ERROR_SUCCESS);
    assert_int_equal(valid, 0);
    assert_int_equal(wm_heap_free(shared_heap, 0, block), ERROR_SUCCESS);
}

static void test_heap_compact_reports_the_largest_free_block(void **state)
{
    wm_heap_summary_t summary;
    HANDLE heap = NULL;
    void *block = NULL;
    SIZE_T largest = 0;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_alloc(heap, 0, 10000, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_free(heap, 0, block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_compact(heap, 0, &largest), ERROR_SUCCESS);
    assert_int_equal(wm_heap_walk(heap, &summary, NULL, NULL), ERROR_SUCCESS);
    /* HeapCompact on Microsoft Learn: it returns the size of the largest committed free
     * block. The recorded deviation wine-heap-compact-stub (docs/deviations.md): a stub that
     * returns 0 and sets no error, which reads as "no free space at all". */
    if (largest == 0) {
        assert_true(under_wine);
        print_message("this runtime's HeapCompact returned 0 with free blocks present\n");
    } else {
        assert_true(largest >= 10000);
        assert_true(largest >= summary.largest_free);
    }
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

/* Stand-ins for HeapCompact: the two ways it can return 0. */
static SIZE_T WINAPI compact_finds_no_space(HANDLE heap, DWORD flags)
{
    (void)heap;
    (void)flags;
    return 0; /* and leaves the last error alone: "no free space at all" */
}

static SIZE_T WINAPI compact_fails(HANDLE heap, DWORD flags)
{
    (void)heap;
    (void)flags;
    SetLastError(ERROR_INVALID_HANDLE);
    return 0;
}

static void test_heap_compact_tells_no_space_from_failure_by_the_last_error(void **state)
{
    SIZE_T largest = 1;

    (void)state;
    /* Stand-ins, so this runs everywhere without calling Wine's HeapCompact stub. */
    wm__os.HeapCompact = compact_finds_no_space;
    SetLastError(ERROR_ACCESS_DENIED); /* stale: wm_heap_compact must clear it first */
    assert_int_equal(wm_heap_compact(shared_heap, 0, &largest), ERROR_SUCCESS);
    assert_int_equal(largest, 0);
    wm__os.HeapCompact = compact_fails;
    assert_int_equal(wm_heap_compact(shared_heap, 0, &largest), ERROR_INVALID_HANDLE);
    wm__os = wm__os_real;
}

static void test_heap_lock_and_unlock_pair_succeeds(void **state)
{
    (void)state;
    assert_int_equal(wm_heap_lock(shared_heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_unlock(shared_heap), ERROR_SUCCESS);
}

static void test_heap_low_frag_front_end_shows_after_enabling(void **state)
{
    HANDLE heap = NULL;
    ULONG front_end = 99;

    (void)state;
    assert_int_equal(wm_heap_create(0, 0, 0, &heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_front_end(heap, &front_end), ERROR_SUCCESS);
    assert_true(front_end == WM_HEAP_STANDARD || front_end == WM_HEAP_LOW_FRAG);
    assert_int_equal(wm_heap_enable_low_frag(heap), ERROR_SUCCESS);
    assert_int_equal(wm_heap_front_end(heap, &front_end), ERROR_SUCCESS);
    /* Windows reports the LFH (2) right after the set (Wine's kernel32/tests/heap.c,
     * test_HeapCreate, "check setting LFH compat info"). The recorded deviation wine-no-lfh,
     * accepted only under Wine: a runtime without an LFH accepts the set and keeps answering 0. */
    if (front_end != WM_HEAP_LOW_FRAG) {
        assert_true(under_wine);
        assert_int_equal(front_end, WM_HEAP_STANDARD);
    }
    assert_int_equal(wm_heap_destroy(heap), ERROR_SUCCESS);
}

static void test_heap_terminate_on_corruption_can_be_enabled(void **state)
{
    (void)state;
    /* Process-wide and permanent; harmless here, as long as nothing corrupts a heap. */
    assert_int_equal(wm_heap_terminate_on_corruption(), ERROR_SUCCESS);
}

/* ---- Invalid parameters ---- */

static void test_heap_functions_reject_invalid_parameters(void **state)
{
    wm_heap_summary_t summary;
    wm_heap_list_t list;
    wm_heap_snapshot_t snapshot;
    wm_heap_snapshot_t appeared;
    HANDLE heap = (HANDLE)(uintptr_t)1;
    void *block = (void *)(uintptr_t)1;
    void *resized = NULL;
    SIZE_T size = 1;
    ULONG front_end = 0;
    int valid = 1;

    (void)state;
    memset(&snapshot, 0, sizeof snapshot);
    assert_int_equal(wm_heap_process(NULL), ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_create(0, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_create(0x80000000u, 0, 0, &heap), ERROR_INVALID_PARAMETER);
    assert_null(heap);
    assert_int_equal(wm_heap_create(0, 2 * 65536, 65536, &heap), ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_destroy(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_destroy(GetProcessHeap()), ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_alloc(shared_heap, 0, 16, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_alloc(NULL, 0, 16, &block), ERROR_INVALID_PARAMETER);
    assert_null(block);
    assert_int_equal(wm_heap_alloc(shared_heap, 0, 0, &block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_alloc(shared_heap, HEAP_REALLOC_IN_PLACE_ONLY, 16, &block),
                     ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_alloc(shared_heap, 0, 16, &block), ERROR_SUCCESS);
    assert_int_equal(wm_heap_realloc(shared_heap, 0, block, 32, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_realloc(NULL, 0, block, 32, &resized), ERROR_INVALID_PARAMETER);
    assert_ptr_equal(resized, block);
    assert_int_equal(wm_heap_realloc(shared_heap, 0, NULL, 32, &resized), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_realloc(shared_heap, 0, block, 0, &resized), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_realloc(shared_heap, 0x80000000u, block, 32, &resized),
                     ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_size(shared_heap, 0, block, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_size(NULL, 0, block, &size), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_size(shared_heap, 0, NULL, &size), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_size(shared_heap, HEAP_ZERO_MEMORY, block, &size),
                     ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_validate(shared_heap, 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_validate(NULL, 0, NULL, &valid), ERROR_INVALID_PARAMETER);
    assert_int_equal(valid, 0);
    assert_int_equal(wm_heap_validate(shared_heap, HEAP_ZERO_MEMORY, NULL, &valid),
                     ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_free(NULL, 0, block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_free(shared_heap, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_free(shared_heap, HEAP_ZERO_MEMORY, block), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_free(shared_heap, 0, block), ERROR_SUCCESS);

    assert_int_equal(wm_heap_compact(shared_heap, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_compact(NULL, 0, &size), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_compact(shared_heap, HEAP_ZERO_MEMORY, &size),
                     ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_lock(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_unlock(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_walk(NULL, &summary, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_walk(shared_heap, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_list(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_list_index(NULL, shared_heap), WM_HEAP_NOT_FOUND);
    memset(&list, 0, sizeof list);
    assert_int_equal(wm_heap_list_index(&list, shared_heap), WM_HEAP_NOT_FOUND);

    assert_int_equal(wm_heap_front_end(NULL, &front_end), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_front_end(shared_heap, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_enable_low_frag(NULL), ERROR_INVALID_PARAMETER);

    assert_int_equal(wm_heap_snapshot_take(shared_heap, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_snapshot_take(NULL, &snapshot), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_snapshot_diff(&snapshot, &snapshot, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_snapshot_diff(NULL, &snapshot, &appeared), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_snapshot_diff(&snapshot, NULL, &appeared), ERROR_INVALID_PARAMETER);
    snapshot.count = 1; /* blocks claimed, none there */
    assert_int_equal(wm_heap_snapshot_diff(&snapshot, &snapshot, &appeared),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_heap_snapshot_free(NULL), ERROR_INVALID_PARAMETER);
}

/* ---- The sweep: every heap operation, with each of its OS calls failing in turn. ---- */

/* The heap the create/destroy operation made, so the sweep can destroy it for real when the
 * injected failure hit HeapDestroy. */
static HANDLE created_heap = NULL;
/* The block the snapshot operation allocated in sweep_heap, for the same reason: a block
 * left there by a failed HeapFree would make every later walk longer. */
static void *sweep_block = NULL;

static DWORD create_alloc_realloc_free_destroy(void)
{
    void *block = NULL;
    SIZE_T size = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;

    created_heap = NULL;
    error = wm_heap_create(0, 0, 0, &created_heap);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_heap_alloc(created_heap, HEAP_ZERO_MEMORY, 100, &block);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_realloc(created_heap, 0, block, 5000, &block);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_size(created_heap, 0, block, &size);
    }
    if (block != NULL) {
        release_error = wm_heap_free(created_heap, 0, block);
        if (error == ERROR_SUCCESS) {
            error = release_error;
        }
    }
    release_error = wm_heap_destroy(created_heap);
    if (error == ERROR_SUCCESS) {
        error = release_error;
    }
    return error;
}

static DWORD walk_the_sweep_heap(void)
{
    wm_heap_summary_t summary;
    return wm_heap_walk(sweep_heap, &summary, NULL, NULL);
}

static DWORD snapshot_and_diff(void)
{
    wm_heap_snapshot_t before;
    wm_heap_snapshot_t after;
    wm_heap_snapshot_t appeared;
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;

    memset(&after, 0, sizeof after);
    memset(&appeared, 0, sizeof appeared);
    error = wm_heap_snapshot_take(sweep_heap, &before);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_heap_alloc(sweep_heap, 0, 48, &block);
    sweep_block = block;
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_take(sweep_heap, &after);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_snapshot_diff(&before, &after, &appeared);
    }
    /* Give everything back even after a failure, and report the first error. */
    release_error = wm_heap_snapshot_free(&appeared);
    error = error != ERROR_SUCCESS ? error : release_error;
    release_error = wm_heap_snapshot_free(&after);
    error = error != ERROR_SUCCESS ? error : release_error;
    release_error = wm_heap_snapshot_free(&before);
    error = error != ERROR_SUCCESS ? error : release_error;
    if (block != NULL) {
        release_error = wm_heap_free(sweep_heap, 0, block);
        error = error != ERROR_SUCCESS ? error : release_error;
    }
    return error;
}

static DWORD query_the_heaps(void)
{
    wm_heap_list_t list;
    HANDLE fresh = NULL;
    ULONG front_end = 0;
    SIZE_T largest = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;

    created_heap = NULL;
    error = wm_heap_list(&list);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_front_end(sweep_heap, &front_end);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_compact(sweep_heap, 0, &largest);
    }
    /* The LFH is asked for on a new heap each run. Once a heap has it, its setting cannot be
     * changed: Windows refuses with ERROR_GEN_FAILURE (kernel32/tests/heap.c, test_HeapCreate,
     * "cannot be undone"); Wine with an LFH refuses a second request for it the same way, and
     * Wine without one accepts it every time (docs/deviations.md). A new heap: alike on all. */
    if (error == ERROR_SUCCESS) {
        error = wm_heap_create(0, 0, 0, &fresh);
        created_heap = fresh; /* destroyed by undo_failed_release if HeapDestroy fails */
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_enable_low_frag(fresh);
        release_error = wm_heap_destroy(fresh);
        error = error != ERROR_SUCCESS ? error : release_error;
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_terminate_on_corruption();
    }
    return error;
}

static DWORD lock_and_unlock(void)
{
    DWORD error = wm_heap_lock(sweep_heap);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    return wm_heap_unlock(sweep_heap);
}

static DWORD validate_the_sweep_heap(void)
{
    int valid = 0;
    return wm_heap_validate(sweep_heap, 0, NULL, &valid);
}

/* Puts back what an injected release failure left held, so the next run starts clean. */
static void undo_failed_release(const char *fired)
{
    if (fired == NULL) {
        return;
    }
    if (strcmp(fired, "HeapUnlock") == 0) {
        (void)HeapUnlock(sweep_heap); /* the fake failure left the lock taken */
    } else if (strcmp(fired, "HeapDestroy") == 0 && created_heap != NULL) {
        (void)HeapDestroy(created_heap);
    } else if (strcmp(fired, "HeapFree") == 0 && sweep_block != NULL) {
        (void)HeapFree(sweep_heap, 0, sweep_block);
    }
}

/* After each run: undo what a failed release left, and forget the sweep's block. */
static void after_sweep_run(const char *fired)
{
    undo_failed_release(fired);
    sweep_block = NULL;
}

static void test_heap_every_injected_failure_is_reported_and_leaves_nothing_held(void **state)
{
    (void)state;
    wm_test_sweep_with_cleanup("create/alloc/realloc/size/free/destroy",
                               create_alloc_realloc_free_destroy, 0, after_sweep_run);
    wm_test_sweep_with_cleanup("walk", walk_the_sweep_heap, 0, after_sweep_run);
    wm_test_sweep_with_cleanup("snapshot/diff", snapshot_and_diff, 0, after_sweep_run);
    wm_test_sweep_with_cleanup("list/front end/compact/set information", query_the_heaps, 0,
                               after_sweep_run);
    wm_test_sweep_with_cleanup("lock/unlock", lock_and_unlock, 0, after_sweep_run);
    wm_test_sweep_with_cleanup("validate", validate_the_sweep_heap, WM_TEST_SWEEP_FALLBACK_OK,
                               after_sweep_run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_process_heap_is_the_default_in_the_process_list),
        cmocka_unit_test(test_heap_create_lists_the_heap_and_destroy_unlists_it),
        cmocka_unit_test(test_heap_size_reports_the_size_asked_for),
        cmocka_unit_test(test_heap_zero_memory_gives_a_zeroed_block),
        cmocka_unit_test(test_heap_realloc_grow_keeps_the_contents_and_zeroes_the_tail),
        cmocka_unit_test(test_heap_realloc_in_place_only_never_moves_the_block),
        cmocka_unit_test(test_heap_no_serialize_heap_allocates_and_frees),
        cmocka_unit_test(test_heap_fixed_size_heap_runs_out_with_not_enough_memory),
        cmocka_unit_test(test_heap_fixed_size_heap_limits_one_block_to_under_1_mib),
        cmocka_unit_test(test_heap_large_block_has_an_allocation_of_its_own),
        cmocka_unit_test(test_heap_destroy_releases_the_heap_regions),
        cmocka_unit_test(test_heap_walk_summary_is_consistent_with_the_live_blocks),
        cmocka_unit_test(test_heap_walk_stops_when_the_visitor_says_so),
        cmocka_unit_test(test_heap_walk_of_a_fresh_heap_shows_a_region_and_free_space),
        cmocka_unit_test(test_heap_snapshot_diff_finds_exactly_the_blocks_allocated_between),
        cmocka_unit_test(test_heap_snapshot_diff_of_an_unchanged_heap_is_empty),
        cmocka_unit_test(test_heap_validate_accepts_a_healthy_heap_and_its_blocks),
        cmocka_unit_test(test_heap_compact_reports_the_largest_free_block),
        cmocka_unit_test_teardown(test_heap_compact_tells_no_space_from_failure_by_the_last_error,
                                  wm_test_teardown),
        cmocka_unit_test(test_heap_lock_and_unlock_pair_succeeds),
        cmocka_unit_test(test_heap_low_frag_front_end_shows_after_enabling),
        cmocka_unit_test(test_heap_terminate_on_corruption_can_be_enabled),
        cmocka_unit_test(test_heap_functions_reject_invalid_parameters),
        cmocka_unit_test_teardown(
            test_heap_every_injected_failure_is_reported_and_leaves_nothing_held, wm_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
