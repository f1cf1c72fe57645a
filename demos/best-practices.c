/*
 * best-practices.c - lesson: the course's rules, each as a do / don't pair with a measured
 * consequence.
 *
 * Every step runs the right way and the wrong way side by side and prints what each did:
 * an error code, a byte count, a protection, an exit code. No claim depends on timing; the
 * last step hands timing to the benchmark, which measures and never asserts.
 *
 * What you will see when you run it:
 *   1. Check every return value and read GetLastError at once: a later failing call
 *      overwrites the code (87 becomes 2).
 *   2. Free with the matching function: the right pairs succeed; VirtualFree(MEM_RELEASE)
 *      with a size is refused; HeapFree on another heap's block, in a child process.
 *   3. Reserve big, commit as needed; choose the allocator by lifetime: a subsystem's heap
 *      or arena goes in one call.
 *   4. Avoid fragmentation: mixed lifetimes in one heap leave holes between the live blocks;
 *      pooled, only the pool's tail is free.
 *   5. Least privilege for pages: a sealed read-only table; a fence page after a buffer.
 *   6. Secrets: memory reused without wiping still holds the secret; SecureZeroMemory;
 *      VirtualLock.
 *   7. Map large files through views: a sliding view reads the same bytes with a fraction
 *      of the address space.
 *   8. Never IsBadReadPtr (in a child process): it eats a guard page; VirtualQuery does not.
 *   9. Measure instead of guessing: the benchmark's targets, met or not, on this machine.
 *
 * Run:  best-practices [--json] [--pause]
 * Docs: docs/best-practices.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "best-practices"
#define DEMO_TITLE                                                                                 \
    "Best practices: each rule as a do / don't pair, and what the wrong way measurably does."

#define STEP_COUNT 9

/* Step 1: a file that does not exist, as a logging helper might look for one. */
#define MISSING_FILE L"winmem-best-practices-no-such-file.log"

/* Step 3: the reservation, and the pages actually used. 256 MiB is large next to three
 * pages yet commits without trouble on any machine with a page file. */
#define BIG_RESERVATION (256u * 1024u * 1024u)
#define PAGES_USED 3u
#define SUBSYSTEM_BLOCKS 500u
#define SUBSYSTEM_BLOCK_SIZE 48u

/* Step 4: small and large blocks, interleaved or pooled. */
#define FRAGMENT_PAIRS 500u
#define SMALL_BLOCK 64u
#define LARGE_BLOCK 1024u

/* Steps 4, 6 and 8: what Wine is recorded to do instead (docs/deviations.md). */
static const wm_deviation_t HEAP_WALK_SKIPS_REGIONS = {
    "wine-heap-walk-skips-regions",
    "HeapWalk lists a later region of the heap and its uncommitted range but none of its "
    "blocks, so live blocks (the count above) and holes go uncounted."};
static const wm_deviation_t VIRTUAL_UNLOCK_ACCEPTS_UNLOCKED = {
    "wine-virtual-unlock-accepts-unlocked",
    "VirtualUnlock returns TRUE for a page that is not locked (wine-fidelity row 48)."};
static const wm_deviation_t IS_BAD_READ_PTR_GUARD_ESCAPES = {
    "wine-is-bad-read-ptr-guard-escapes",
    "IsBadReadPtr lets the guard page's exception (STATUS_GUARD_PAGE_VIOLATION, 0x80000001) "
    "escape: the child died of it (its exit code above), which is worse still."};

/* Step 5: a buffer with a fence after it; 100 bytes is not a multiple of anything. */
#define FENCED_SIZE 100u

/* Step 6: the secret, and where it lives. */
#define SECRET "correct horse battery staple"
#define SECRET_BLOCK 64u

/* Step 7: the file and the sliding view, in allocation granules. */
#define MAP_FILE_GRANULES 64u /* 4 MiB with 64 KiB granules */
#define MAP_VIEW_GRANULES 4u  /* 256 KiB views */

/* Step 9: the benchmark's target count. */
#define BENCH_TARGETS 4u

/* The child modes (hidden --child option). */
#define CHILD_WRONG_HEAP L"wrong-heap" /* step 2: HeapFree on another heap's block */
#define CHILD_BAD_PTR L"bad-read-ptr"  /* step 8: IsBadReadPtr on a guard page */

/* The exit code a child uses to say "the wrong call claimed success". */
#define CHILD_WRONGLY_SUCCEEDED 3

/* What the command line asked for. */
typedef struct demo_config_s
{
    const wchar_t *mode; /* --child: run as a child mode; NULL = the lesson */
} demo_config_t;

/* ------------------------------------------------------------------------------------ */
/* Helpers.                                                                             */
/* ------------------------------------------------------------------------------------ */

/* The child's output without its trailing line breaks, or "(nothing)". */
static const char *trimmed(wm_output_t *output)
{
    while (output->length > 0 &&
           (output->text[output->length - 1] == '\n' || output->text[output->length - 1] == '\r')) {
        output->length--;
        output->text[output->length] = '\0';
    }
    return output->length > 0 ? output->text : "(nothing)";
}

/* Runs program (this one when NULL) with arguments, collecting its output and exit code. */
static DWORD run_program(const wchar_t *sibling, const wchar_t *arguments, wm_output_t *output,
                         DWORD *exit_code)
{
    wchar_t path[MAX_PATH];
    DWORD error = ERROR_SUCCESS;

    memset(output, 0, sizeof *output);
    if (sibling == NULL) {
        error = wm_process_self_path(path, MAX_PATH);
    } else {
        error = wm_process_sibling_path(sibling, path, MAX_PATH);
    }
    if (error != ERROR_SUCCESS) {
        return error;
    }
    return wm_process_run(path, arguments, wm_output_collect, output, exit_code);
}

/* ------------------------------------------------------------------------------------ */
/* Step 1: check every return value; read GetLastError at once.                         */
/* ------------------------------------------------------------------------------------ */

static void show_last_error(wm_lesson_t *lesson, const wm_system_t *system)
{
    void *base = NULL;
    BOOL released = FALSE;
    DWORD at_once = 0;
    DWORD too_late = 0;
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Check every return value; read GetLastError at once",
            "A Win32 call says it failed by its return value (FALSE, NULL, "
            "INVALID_HANDLE_VALUE); why is in the thread's last-error code, which the next call "
            "that sets it overwrites. Do: test the return value and read GetLastError on the "
            "very next line. Don't: log first. Here VirtualFree(MEM_RELEASE) with a size fails "
            "with 87; a logging helper then looks for its file and the code is 2.");
    error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &base);
    wm_claim_success(lesson, "VirtualAlloc (a page to release wrongly)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    /* Do: the error read on the line after the failing call (GetLastError on Microsoft Learn:
     * call it immediately, before another call can reset it). */
    released = VirtualFree(base, system->page_size, MEM_RELEASE); /* wrong: size must be 0 */
    at_once = GetLastError();
    wm_value_hex(lesson, "VirtualFree returned", (uint64_t)released, "FALSE");
    wm_value_count(lesson, "GetLastError read at once", at_once, NULL);
    wm_claim(lesson, NULL, "Read at once, the code is VirtualFree's: 87 (ERROR_INVALID_PARAMETER).",
             !released && at_once == ERROR_INVALID_PARAMETER);

    /* Don't: another call between the failure and the read. */
    released = VirtualFree(base, system->page_size, MEM_RELEASE); /* the same failure */
    attributes = GetFileAttributesW(MISSING_FILE);                /* "is there a log file?" */
    too_late = GetLastError();
    wm_value_count(lesson, "GetLastError read after a logging call", too_late, NULL);
    wm_claim(lesson, NULL,
             "Read after the logging call, the code is the logger's: 2 (ERROR_FILE_NOT_FOUND); "
             "VirtualFree's 87 is lost.",
             !released && attributes == INVALID_FILE_ATTRIBUTES &&
                 too_late == ERROR_FILE_NOT_FOUND);
    error = wm_vm_release(base);
    wm_claim_success(lesson, "VirtualFree(base, 0, MEM_RELEASE): the right way", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2: free with the matching function.                                             */
/* ------------------------------------------------------------------------------------ */

/* The child: a block from a private heap, handed to the process heap's HeapFree. */
static int run_wrong_heap_child(void)
{
    HANDLE heap = NULL;
    void *block = NULL;
    BOOL freed = FALSE;
    DWORD error = ERROR_SUCCESS;

    heap = HeapCreate(0 /* serialized */, 0, 0 /* growable */);
    if (heap == NULL) {
        error = GetLastError();
        printf("HeapCreate failed: %lu\n", (unsigned long)error);
        return WM_EXIT_FAILED;
    }
    block = HeapAlloc(heap, 0 /* no flags */, SECRET_BLOCK);
    if (block == NULL) {
        printf("HeapAlloc failed\n");
        return WM_EXIT_FAILED;
    }
    /* Wrong on purpose: HeapFree on Microsoft Learn wants the heap that allocated the block. */
    freed = HeapFree(GetProcessHeap(), 0 /* no flags */, block);
    error = GetLastError();
    printf("HeapFree(process heap, private block) returned %d, error %lu\n", (int)freed,
           (unsigned long)error);
    fflush(stdout);
    /* Not destroyed: the heap may be damaged now; the process ends here anyway. */
    return freed ? CHILD_WRONGLY_SUCCEEDED : WM_EXIT_OK;
}

static void show_matching_free(wm_lesson_t *lesson, const wm_system_t *system)
{
    HANDLE heap = NULL;
    void *block = NULL;
    void *base = NULL;
    BOOL released = FALSE;
    DWORD release_error = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD exit_code = 0;
    const char *said = NULL;
    wm_output_t output;

    wm_step(lesson, "Free with the matching function",
            "Each allocator has its release: HeapAlloc / HeapFree on the same heap, "
            "VirtualAlloc / VirtualFree(base, 0, MEM_RELEASE), MapViewOfFile / "
            "UnmapViewOfFile, CreateFileMapping / CloseHandle, malloc / free. Do: pair them. "
            "Don't: cross them. A crossed pair is refused at best; at worst it damages a heap, "
            "so it runs in a child process.");
    error = wm_heap_create(0 /* serialized */, 0, 0 /* growable */, &heap);
    wm_claim_success(lesson, "HeapCreate", error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0 /* no flags */, SECRET_BLOCK, &block);
        wm_claim_success(lesson, "HeapAlloc", error);
        if (error == ERROR_SUCCESS) {
            error = wm_heap_free(heap, 0 /* no flags */, block);
            wm_claim_success(lesson, "HeapFree on the heap that allocated the block", error);
        }
        error = wm_heap_destroy(heap);
        wm_claim_success(lesson, "HeapDestroy", error);
    }

    error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &base);
    wm_claim_success(lesson, "VirtualAlloc", error);
    if (error == ERROR_SUCCESS) {
        /* VirtualFree on Microsoft Learn: MEM_RELEASE takes the base and a size of 0. */
        released = VirtualFree(base, system->page_size, MEM_RELEASE); /* don't: a size */
        release_error = GetLastError();
        wm_value_count(lesson, "VirtualFree(base, page, MEM_RELEASE) error", release_error, NULL);
        wm_claim(lesson, NULL,
                 "MEM_RELEASE with a non-zero size is refused with 87; nothing freed.",
                 !released && release_error == ERROR_INVALID_PARAMETER);
        error = wm_vm_release(base);
        wm_claim_success(lesson, "VirtualFree(base, 0, MEM_RELEASE): do", error);
    }

    error = run_program(NULL, L"--child=" CHILD_WRONG_HEAP, &output, &exit_code);
    wm_claim_success(lesson, "Running the wrong-heap child", error);
    if (error == ERROR_SUCCESS) {
        said = trimmed(&output);
        wm_note(lesson, "The child said: %s", said);
        wm_value_hex(lesson, "child exit code", exit_code,
                     "0: HeapFree refused; 0xC0000374 or 0xC0000005: the child was ended");
        wm_claim(lesson, NULL,
                 "HeapFree on another heap's block did not free it: the call failed, or the "
                 "heap manager ended the process.",
                 exit_code != CHILD_WRONGLY_SUCCEEDED && exit_code != WM_EXIT_FAILED);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 3: reserve big, commit as needed; the allocator by lifetime.                    */
/* ------------------------------------------------------------------------------------ */

static void show_reserve_and_lifetime(wm_lesson_t *lesson, const wm_system_t *system)
{
    void *reserved = NULL;
    void *committed = NULL;
    wm_vm_usage_t usage;
    SIZE_T used_bytes = (SIZE_T)PAGES_USED * system->page_size;
    SIZE_T reserved_committed = 0;
    HANDLE heap = NULL;
    wm_arena_t arena;
    void *block = NULL;
    uintptr_t arena_base = 0;
    SIZE_T arena_reserved = 0;
    unsigned i = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&arena, 0, sizeof arena);
    memset(&usage, 0, sizeof usage);
    wm_step(lesson, "Reserve big, commit as needed; choose the allocator by lifetime",
            "Do: reserve the most a structure may ever need (address space is cheap) and commit "
            "pages as they fill. Don't: commit it all up front; the commit charge is paid for "
            "every page, used or not. And give a subsystem its own heap or arena, so that its "
            "whole lifetime ends in one call instead of one free per block.");
    error = wm_vm_reserve(NULL, BIG_RESERVATION, &reserved);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE, 256 MiB)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_commit(reserved, used_bytes, PAGE_READWRITE);
        wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT) of the three pages used", error);
        error = wm_vm_query_range(reserved, BIG_RESERVATION, &usage);
        reserved_committed = usage.committed;
        wm_value_bytes(lesson, "do: committed", reserved_committed);
        wm_claim(lesson, NULL, "Reserved 256 MiB, only the three pages used are committed.",
                 error == ERROR_SUCCESS && reserved_committed == used_bytes);
        error = wm_vm_release(reserved);
        wm_claim_success(lesson, "VirtualFree (the reservation)", error);
    }
    error = wm_vm_allocate(NULL, BIG_RESERVATION, PAGE_READWRITE, &committed);
    wm_claim_success(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 256 MiB)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_query_range(committed, BIG_RESERVATION, &usage);
        wm_value_bytes(lesson, "don't: committed", usage.committed);
        wm_claim(lesson, NULL, "Committed up front, all 256 MiB count against the commit limit.",
                 error == ERROR_SUCCESS && usage.committed == BIG_RESERVATION);
        error = wm_vm_release(committed);
        wm_claim_success(lesson, "VirtualFree (the committed range)", error);
    }

    error = wm_heap_create(HEAP_NO_SERIALIZE, /* one thread owns the subsystem */
                           0, 0 /* growable */, &heap);
    wm_claim_success(lesson, "HeapCreate (the subsystem's heap)", error);
    for (i = 0; i < SUBSYSTEM_BLOCKS && error == ERROR_SUCCESS; i++) {
        error = wm_heap_alloc(heap, 0 /* no flags */, SUBSYSTEM_BLOCK_SIZE, &block);
    }
    wm_claim_success(lesson, "500 blocks from the subsystem's heap", error);
    if (heap != NULL) {
        error = wm_heap_destroy(heap); /* every block goes with it (HeapDestroy) */
        wm_claim_success(lesson, "One HeapDestroy frees all 500 blocks", error);
    }
    error = wm_arena_create(BIG_RESERVATION, system->allocation_granularity, &arena);
    wm_claim_success(lesson, "wm_arena_create (the subsystem's arena)", error);
    for (i = 0; i < SUBSYSTEM_BLOCKS && error == ERROR_SUCCESS; i++) {
        error = wm_arena_alloc(&arena, SUBSYSTEM_BLOCK_SIZE, 16 /* malloc's alignment */, &block);
    }
    wm_claim_success(lesson, "500 blocks from the arena", error);
    arena_base = arena.base;
    arena_reserved = (SIZE_T)(arena.reserved_end - arena.base);
    if (arena_base != 0) {
        error = wm_arena_release(&arena);
        wm_claim_success(lesson, "One wm_arena_release frees all 500 blocks", error);
        error = wm_vm_query_range((const void *)arena_base, arena_reserved, &usage);
        wm_claim(lesson, NULL, "VirtualQuery: the arena's whole range is MEM_FREE again.",
                 error == ERROR_SUCCESS && usage.free == arena_reserved);
    }
    wm_value_count(lesson, "release calls, subsystem heap or arena", 1, "calls");
    wm_value_count(lesson, "release calls, one free per block", SUBSYSTEM_BLOCKS, "calls");
}

/* ------------------------------------------------------------------------------------ */
/* Step 4: avoid fragmentation.                                                         */
/* ------------------------------------------------------------------------------------ */

static void show_fragmentation(wm_lesson_t *lesson)
{
    HANDLE mixed = NULL;
    HANDLE small_pool = NULL;
    HANDLE large_pool = NULL;
    void *block = NULL;
    void *large_blocks[FRAGMENT_PAIRS];
    wm_heap_summary_t mixed_walk;
    wm_heap_summary_t pooled_walk;
    unsigned i = 0;
    DWORD error = ERROR_SUCCESS;

    memset(large_blocks, 0, sizeof large_blocks);
    memset(&mixed_walk, 0, sizeof mixed_walk);
    memset(&pooled_walk, 0, sizeof pooled_walk);
    wm_step(lesson, "Avoid fragmentation: pool blocks by size and lifetime",
            "Don't: interleave short-lived large blocks with long-lived small ones in one heap; "
            "when the large ones go, they leave holes between the small ones that no bigger "
            "request can use. Do: pool them, one heap (or arena) per size class or lifetime, so "
            "the large ones go together. Both heaps are HEAP_NO_SERIALIZE, which keeps "
            "Windows' Low-Fragmentation Heap out (HeapSetInformation on Microsoft Learn) so the "
            "walk shows the back end's holes.");
    error = wm_heap_create(HEAP_NO_SERIALIZE, /* one thread; no LFH */ 0, 0, &mixed);
    wm_claim_success(lesson, "HeapCreate (mixed)", error);
    for (i = 0; i < FRAGMENT_PAIRS && error == ERROR_SUCCESS; i++) {
        error = wm_heap_alloc(mixed, 0 /* no flags */, SMALL_BLOCK, &block);
        if (error == ERROR_SUCCESS) {
            error = wm_heap_alloc(mixed, 0 /* no flags */, LARGE_BLOCK, &large_blocks[i]);
        }
    }
    for (i = 0; i < FRAGMENT_PAIRS && error == ERROR_SUCCESS; i++) {
        error = wm_heap_free(mixed, 0 /* no flags */, large_blocks[i]);
    }
    wm_claim_success(lesson, "500 small and 500 large blocks interleaved; the large ones freed",
                     error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_walk(mixed, &mixed_walk, NULL, NULL);
        wm_claim_success(lesson, "HeapWalk (mixed)", error);
        wm_value_count(lesson, "mixed: live blocks listed", mixed_walk.busy_blocks, NULL);
        wm_value_count(lesson, "mixed: free blocks (holes)", mixed_walk.free_blocks, NULL);
        wm_value_bytes(lesson, "mixed: largest free block", mixed_walk.largest_free);
        wm_value_bytes(lesson, "mixed: free bytes", mixed_walk.free_bytes);
    }

    error = wm_heap_create(HEAP_NO_SERIALIZE, /* one thread; no LFH */ 0, 0, &small_pool);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_create(HEAP_NO_SERIALIZE, /* one thread; no LFH */ 0, 0, &large_pool);
    }
    wm_claim_success(lesson, "HeapCreate (two pools)", error);
    for (i = 0; i < FRAGMENT_PAIRS && error == ERROR_SUCCESS; i++) {
        error = wm_heap_alloc(small_pool, 0 /* no flags */, SMALL_BLOCK, &block);
        if (error == ERROR_SUCCESS) {
            error = wm_heap_alloc(large_pool, 0 /* no flags */, LARGE_BLOCK, &block);
        }
    }
    wm_claim_success(lesson, "The same blocks, pooled by size", error);
    if (large_pool != NULL) {
        error = wm_heap_destroy(large_pool); /* the large ones go together */
        large_pool = NULL;
        wm_claim_success(lesson, "HeapDestroy (the large pool)", error);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_walk(small_pool, &pooled_walk, NULL, NULL);
        wm_claim_success(lesson, "HeapWalk (the small pool)", error);
        wm_value_count(lesson, "pooled: free blocks (holes)", pooled_walk.free_blocks, NULL);
        /* How many holes, and how big, is the heap manager's business, not documented: the
         * numbers above are observations. What holds is that a HeapAlloc block never moves
         * (HeapAlloc on Microsoft Learn), so the live small blocks keep the freed space
         * apart, while the small pool freed nothing. */
        wm_claim(lesson, NULL,
                 "Mixed, the freed large blocks stay behind as holes between the live small "
                 "ones: more free blocks than in the small pool, which freed nothing.",
                 mixed_walk.free_blocks > pooled_walk.free_blocks);
        /* HeapWalk on Microsoft Learn: it enumerates the memory blocks in the heap. */
        wm_claim_or_deviation(lesson, NULL, "HeapWalk listed every live block of the mixed heap.",
                              mixed_walk.busy_blocks >= FRAGMENT_PAIRS,
                              mixed_walk.busy_blocks < FRAGMENT_PAIRS, &HEAP_WALK_SKIPS_REGIONS);
    }
    if (small_pool != NULL) {
        error = wm_heap_destroy(small_pool);
        wm_claim_success(lesson, "HeapDestroy (the small pool)", error);
    }
    if (mixed != NULL) {
        error = wm_heap_destroy(mixed);
        wm_claim_success(lesson, "HeapDestroy (mixed)", error);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 5: least privilege for pages.                                                   */
/* ------------------------------------------------------------------------------------ */

static void show_least_privilege(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_readonly_t table;
    wm_fence_t fence;
    wm_probe_result_t result;
    DWORD protect = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&table, 0, sizeof table);
    memset(&fence, 0, sizeof fence);
    memset(&result, 0, sizeof result);
    wm_step(lesson, "Least privilege for pages",
            "Do: give pages the least access they need: tables written once at start-up become "
            "PAGE_READONLY, code pages are never writable and executable at once (W^X), and "
            "while testing, buffers sit against an inaccessible page so an overrun faults at "
            "the first wrong byte. Don't: leave everything PAGE_READWRITE, or worse "
            "PAGE_EXECUTE_READWRITE (Memory Protection Constants on Microsoft Learn).");
    error = wm_readonly_create(system->page_size, &table);
    wm_claim_success(lesson, "A table's pages, read-write while it is filled", error);
    if (error == ERROR_SUCCESS) {
        ((unsigned char *)table.base)[0] = 42;
        error = wm_readonly_seal(&table);
        wm_claim_success(lesson, "VirtualProtect(PAGE_READONLY): sealed", error);
        error = wm_protect_query(table.base, &protect);
        wm_value_hex(lesson, "table protection", protect, "PAGE_READONLY is 0x02");
        error = wm_probe(WM_PROBE_WRITE, table.base, 7, &result);
        wm_claim(lesson, NULL, "A later write to the sealed table is an access violation.",
                 error == ERROR_SUCCESS && result.outcome == WM_PROBE_ACCESS_VIOLATION);
        error = wm_probe(WM_PROBE_READ, table.base, 0, &result);
        wm_claim(lesson, NULL,
                 "Reading it still works, and finds the value written before sealing.",
                 error == ERROR_SUCCESS && result.outcome == WM_PROBE_DONE && result.value == 42);
        error = wm_readonly_destroy(&table);
        wm_claim_success(lesson, "Releasing the table", error);
    }
    error = wm_fence_alloc(FENCED_SIZE, WM_FENCE_AFTER, &fence);
    wm_claim_success(lesson, "A 100-byte buffer ending at a fence page", error);
    if (error == ERROR_SUCCESS) {
        error = wm_probe(WM_PROBE_WRITE, fence.block + FENCED_SIZE, 1, &result);
        wm_value_address(lesson, "first byte past the buffer",
                         (uintptr_t)(fence.block + FENCED_SIZE));
        wm_value_address(lesson, "fault address", result.fault_address);
        wm_claim(lesson, NULL,
                 "An off-by-one write faults at exactly the first byte past the buffer.",
                 error == ERROR_SUCCESS && result.outcome == WM_PROBE_ACCESS_VIOLATION &&
                     result.fault_address == (uintptr_t)(fence.block + FENCED_SIZE));
        error = wm_fence_release(&fence);
        wm_claim_success(lesson, "Releasing the fenced buffer", error);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 6: secrets.                                                                     */
/* ------------------------------------------------------------------------------------ */

/* 1 when length bytes at block are all zero. */
static int all_zero(const unsigned char *block, size_t length)
{
    size_t i = 0;

    for (i = 0; i < length; i++) {
        if (block[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static void show_secrets(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_arena_t arena;
    unsigned char *first = NULL;
    unsigned char *again = NULL;
    void *block = NULL;
    void *page = NULL;
    BOOL locked = FALSE;
    BOOL unlocked = FALSE;
    DWORD unlock_error = 0;
    int still_there = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&arena, 0, sizeof arena);
    wm_step(lesson, "Secrets: wipe them with SecureZeroMemory; keep them out of the page file",
            "Memory that is freed is not wiped: the next owner of those bytes reads the old "
            "secret. Do: SecureZeroMemory before letting go, because a plain memset of a buffer "
            "that is never read again is a dead store the compiler may remove "
            "(SecureZeroMemory on Microsoft Learn). And VirtualLock keeps a page in RAM, out of "
            "the page file, while it holds a key. Here an arena reset that keeps its pages "
            "stands for any reuse.");
    error = wm_arena_create(system->allocation_granularity, system->page_size, &arena);
    wm_claim_success(lesson, "An arena for the secret", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_arena_alloc(&arena, SECRET_BLOCK, 16 /* malloc's alignment */, &block);
    first = (unsigned char *)block;
    if (error == ERROR_SUCCESS) {
        memcpy(first, SECRET, sizeof SECRET);
        error = wm_arena_reset(&arena, 1 /* keep the pages: reuse, as a heap would */);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_arena_alloc(&arena, SECRET_BLOCK, 16 /* malloc's alignment */, &block);
    }
    again = (unsigned char *)block;
    wm_claim_success(lesson, "Write the secret, let go without wiping, allocate again", error);
    if (error == ERROR_SUCCESS) {
        still_there = memcmp(again, SECRET, sizeof SECRET) == 0;
        wm_value_text(lesson, "don't: the next owner reads", still_there ? SECRET : "(other)");
        wm_claim(lesson, NULL, "Not wiped, the secret is still there for the next owner.",
                 again == first && still_there);
        SecureZeroMemory(again, SECRET_BLOCK); /* do: wipe before letting go */
        error = wm_arena_reset(&arena, 1 /* keep the pages */);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_arena_alloc(&arena, SECRET_BLOCK, 16 /* malloc's alignment */, &block);
    }
    if (error == ERROR_SUCCESS) {
        wm_claim(lesson, NULL, "Wiped with SecureZeroMemory first, the next owner reads zeros.",
                 all_zero((const unsigned char *)block, SECRET_BLOCK));
    }
    error = wm_arena_release(&arena);
    wm_claim_success(lesson, "Releasing the arena", error);

    error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &page);
    wm_claim_success(lesson, "A page for a key", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    /* VirtualLock on Microsoft Learn: committed pages only, within the working-set limit. */
    locked = VirtualLock(page, system->page_size);
    if (!locked) {
        error = GetLastError();
    }
    wm_claim_success(lesson, "VirtualLock (one page)", error);
    if (locked) {
        unlocked = VirtualUnlock(page, system->page_size);
        if (!unlocked) {
            error = GetLastError();
        }
        wm_claim_success(lesson, "VirtualUnlock", error);
    }
    /* VirtualUnlock on Microsoft Learn: unlocking pages that are not locked fails with
     * ERROR_NOT_LOCKED (and takes them out of the working set). */
    unlocked = VirtualUnlock(page, system->page_size);
    if (!unlocked) {
        unlock_error = GetLastError();
    }
    wm_value_count(lesson, "second VirtualUnlock: error", unlock_error, NULL);
    wm_claim_or_deviation(lesson, NULL,
                          "Unlocking a page that is not locked fails with ERROR_NOT_LOCKED (158).",
                          !unlocked && unlock_error == ERROR_NOT_LOCKED, unlocked != FALSE,
                          &VIRTUAL_UNLOCK_ACCEPTS_UNLOCKED);
    SecureZeroMemory(page, system->page_size);
    error = wm_vm_release(page);
    wm_claim_success(lesson, "VirtualFree (the key's page, wiped first)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7: map large files through views.                                               */
/* ------------------------------------------------------------------------------------ */

/* What the sliding walk saw. */
typedef struct walk_tally_s
{
    uint32_t checksum; /* wm_checksum over the bytes, in order */
    SIZE_T views;      /* views mapped */
    SIZE_T largest;    /* the longest view */
} walk_tally_t;

static int tally_view(void *context, ULONGLONG offset, const unsigned char *bytes, SIZE_T length)
{
    walk_tally_t *tally = (walk_tally_t *)context;

    (void)offset;
    tally->checksum = wm_checksum(bytes, length, tally->checksum);
    tally->views++;
    tally->largest = length > tally->largest ? length : tally->largest;
    return 0;
}

/* Makes a temp file of size bytes, deleted when file closes (even if the process dies). */
static DWORD make_temp_file(wchar_t *path, ULONGLONG size, HANDLE *file)
{
    wchar_t folder[MAX_PATH];
    unsigned char chunk[4096];
    DWORD length = 0;
    DWORD written = 0;
    ULONGLONG done = 0;
    size_t i = 0;
    BOOL ok = FALSE;

    *file = INVALID_HANDLE_VALUE;
    length = GetTempPathW(MAX_PATH, folder);
    if (length == 0) {
        return GetLastError();
    }
    if (length >= MAX_PATH) {
        return ERROR_BUFFER_OVERFLOW;
    }
    swprintf(path, MAX_PATH, L"%lswinmem-best-practices-%lu.bin", folder,
             (unsigned long)GetCurrentProcessId());
    *file = CreateFileW(
        path, GENERIC_READ | GENERIC_WRITE,
        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, /* the library opens it by name */
        NULL,                                                   /* default security */
        CREATE_NEW,                                             /* never reuse an existing file */
        FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,   /* gone with the last handle */
        NULL);
    if (*file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    for (i = 0; i < sizeof chunk; i++) {
        chunk[i] = (unsigned char)(i * 7u + 3u);
    }
    while (done < size) {
        ok = WriteFile(*file, chunk, (DWORD)sizeof chunk, &written, NULL);
        if (!ok) {
            return GetLastError();
        }
        done += written;
    }
    return ERROR_SUCCESS;
}

static void show_views(wm_lesson_t *lesson, const wm_system_t *system)
{
    wchar_t path[MAX_PATH];
    HANDLE file = INVALID_HANDLE_VALUE;
    wm_mapped_file_t mapped;
    wm_view_t view;
    walk_tally_t tally;
    ULONGLONG size = (ULONGLONG)system->allocation_granularity * MAP_FILE_GRANULES;
    SIZE_T view_size = (SIZE_T)system->allocation_granularity * MAP_VIEW_GRANULES;
    uint32_t whole = 0;
    DWORD attributes = 0;
    BOOL closed = FALSE;
    DWORD error = ERROR_SUCCESS;

    memset(&mapped, 0, sizeof mapped);
    mapped.file = INVALID_HANDLE_VALUE;
    memset(&view, 0, sizeof view);
    memset(&tally, 0, sizeof tally);
    tally.checksum = WM_CHECKSUM_SEED;
    wm_step(lesson, "Map large files through views, not whole",
            "Don't: read a large file whole into memory (the commit charge of its size) or map "
            "it as one huge view (its size in address space, and a file larger than the "
            "address space cannot be mapped at all). Do: slide a view of a few granules along "
            "it (MapViewOfFile on Microsoft Learn: offsets are multiples of the allocation "
            "granularity). Same bytes, a fraction of the address space.");
    error = make_temp_file(path, size, &file);
    wm_claim_success(lesson, "A 4 MiB temp file (FILE_FLAG_DELETE_ON_CLOSE)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_open(path, WM_MAP_READ, 0 /* the whole file */, &mapped);
        wm_claim_success(lesson, "CreateFileMappingW (read-only)", error);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&mapped, 0, 0 /* the whole file */, &view);
        wm_claim_success(lesson, "don't: one view of the whole file", error);
    }
    if (error == ERROR_SUCCESS) {
        whole = wm_checksum(view.data, (SIZE_T)size, WM_CHECKSUM_SEED);
        wm_value_bytes(lesson, "don't: address space of the one view", size);
        error = wm_view_unmap(&view);
        wm_claim_success(lesson, "UnmapViewOfFile", error);
        error = wm_mapped_file_walk(&mapped, view_size, tally_view, &tally);
        wm_claim_success(lesson, "do: sliding views", error);
        wm_value_bytes(lesson, "do: address space of the largest view", tally.largest);
        wm_value_count(lesson, "views mapped one after another", tally.views, NULL);
        wm_claim(lesson, NULL, "The sliding views read the same bytes (the same checksum).",
                 error == ERROR_SUCCESS && tally.checksum == whole);
        wm_claim(
            lesson, NULL, "No sliding view was larger than 256 KiB: 1/16 of the address space.",
            tally.largest <= view_size && tally.views == MAP_FILE_GRANULES / MAP_VIEW_GRANULES);
    }
    error = wm_mapped_file_close(&mapped);
    wm_claim_success(lesson, "Closing the mapping and its file handle", error);
    if (file != INVALID_HANDLE_VALUE) {
        closed = CloseHandle(file); /* deletes the file: FILE_FLAG_DELETE_ON_CLOSE */
        attributes = GetFileAttributesW(path);
        wm_claim(lesson, NULL, "Closing the last handle deletes the temp file.",
                 closed && attributes == INVALID_FILE_ATTRIBUTES);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 8: never IsBadReadPtr.                                                          */
/* ------------------------------------------------------------------------------------ */

/* The child: IsBadReadPtr on a guard page, then what VirtualQuery says about the page. */
static int run_bad_read_ptr_child(void)
{
    wm_system_t system;
    void *page = NULL;
    DWORD before = 0;
    DWORD after = 0;
    BOOL bad = FALSE;
    DWORD error = ERROR_SUCCESS;

    (void)wm_system_query(&system);
    page = VirtualAlloc(NULL, system.page_size, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE | PAGE_GUARD); /* a guard page, as below a stack */
    if (page == NULL) {
        error = GetLastError();
        printf("VirtualAlloc failed: %lu\n", (unsigned long)error);
        return WM_EXIT_FAILED;
    }
    (void)wm_protect_query(page, &before);
    /* Don't, shown on purpose: IsBadReadPtr on Microsoft Learn is obsolete; it reads the
     * memory, which fires (and so removes) a guard page. */
    bad = IsBadReadPtr(page, 1);
    (void)wm_protect_query(page, &after);
    printf("before=0x%lx bad=%d after=0x%lx\n", (unsigned long)before, (int)bad,
           (unsigned long)after);
    fflush(stdout);
    return WM_EXIT_OK;
}

static void show_never_is_bad_read_ptr(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_output_t output;
    unsigned long before = 0;
    unsigned long after = 0;
    int bad = 0;
    int parsed = 0;
    const char *said = NULL;
    void *page = NULL;
    DWORD protect = 0;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Never IsBadReadPtr; know where your pointers come from",
            "IsBadReadPtr answers by touching the memory. On a guard page (a thread's stack "
            "grows through one) that touch fires the guard and removes it, so the stack can no "
            "longer grow; and the answer is stale the moment another thread frees the memory. "
            "Don't: probe pointers. Do: own them (pass sizes, validate handles and ranges at "
            "the boundary), and when you must look, ask VirtualQuery, which reads the page "
            "tables, not the page. The wrong way runs in a child process.");
    error = run_program(NULL, L"--child=" CHILD_BAD_PTR, &output, &exit_code);
    wm_claim_success(lesson, "Running the IsBadReadPtr child", error);
    if (error == ERROR_SUCCESS) {
        parsed = sscanf(output.text, "before=0x%lx bad=%d after=0x%lx", &before, &bad, &after);
        said = trimmed(&output);
        wm_note(lesson, "The child said: %s", said);
        wm_value_hex(lesson, "child exit code", exit_code, NULL);
        wm_claim_or_deviation(
            lesson, NULL,
            "don't: IsBadReadPtr reported the guard page and the guard was "
            "gone afterwards (PAGE_GUARD 0x100 cleared).",
            parsed == 3 && (before & PAGE_GUARD) != 0 && bad != 0 && (after & PAGE_GUARD) == 0,
            exit_code == (DWORD)STATUS_GUARD_PAGE_VIOLATION, &IS_BAD_READ_PTR_GUARD_ESCAPES);
    }
    error = wm_vm_allocate(NULL, system->page_size, PAGE_READWRITE, &page);
    wm_claim_success(lesson, "A page to make a guard page", error);
    if (error == ERROR_SUCCESS) {
        error = wm_guard_arm(page, system->page_size, &protect);
        wm_claim_success(lesson, "VirtualProtect(PAGE_READWRITE | PAGE_GUARD)", error);
        error = wm_protect_query(page, &protect);
        if (error == ERROR_SUCCESS) {
            error = wm_protect_query(page, &protect); /* a second look changes nothing */
        }
        wm_value_hex(lesson, "do: VirtualQuery twice, protection", protect, "0x104: guard kept");
        wm_claim(lesson, NULL, "VirtualQuery looks without touching: the guard is still armed.",
                 error == ERROR_SUCCESS && (protect & PAGE_GUARD) != 0);
        error = wm_vm_release(page);
        wm_claim_success(lesson, "VirtualFree", error);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 9: measure instead of guessing.                                                 */
/* ------------------------------------------------------------------------------------ */

static unsigned count_of(const char *text, const char *needle)
{
    unsigned count = 0;
    const char *at = strstr(text, needle);

    while (at != NULL) {
        count++;
        at = strstr(at + 1, needle);
    }
    return count;
}

static void show_measure(wm_lesson_t *lesson)
{
    wm_output_t output;
    DWORD exit_code = 0;
    unsigned met = 0;
    unsigned not_met = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Measure instead of guessing",
            "\"Heaps are slow\", \"mapping is faster\": each is true somewhere and false "
            "somewhere else. Do: measure on the machine that matters, with warm-up, repeats "
            "and a median, every variant interleaved, and read ratios rather than single "
            "numbers. Don't: assert timings in tests. The benchmark (bench; docs/benchmarks.md) "
            "does that; its quick run follows, and its targets are reported, never asserted.");
    error = run_program(L"bench.exe", L"--quick --json", &output, &exit_code);
    wm_claim_success(lesson, "Running bench --quick --json", error);
    if (error == ERROR_SUCCESS) {
        met = count_of(output.text, "\"met\":true");
        not_met = count_of(output.text, "\"met\":false");
        wm_value_count(lesson, "targets met here", met, NULL);
        wm_value_count(lesson, "targets not met here", not_met, NULL);
        wm_note(lesson, "Which ones, and by how much: run bench (docs/benchmarks.md).");
        wm_claim(lesson, NULL,
                 "The benchmark ran and reported a verdict for each of its four targets.",
                 exit_code == 0 && met + not_met == BENCH_TARGETS);
    }
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

static int run_as_child(const wchar_t *mode)
{
    if (wcscmp(mode, CHILD_WRONG_HEAP) == 0) {
        return run_wrong_heap_child();
    }
    if (wcscmp(mode, CHILD_BAD_PTR) == 0) {
        return run_bad_read_ptr_child();
    }
    fprintf(stderr, "%s: --child: unknown mode\n", DEMO_NAME);
    return WM_EXIT_USAGE;
}

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    wm_system_t system;
    const wm_option_spec_t extra[] = {
        {L"--child", WM_OPTION_TEXT, &config.mode, "MODE",
         NULL /* internal: steps 2 and 8 run a copy of this program with it */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;

    memset(&config, 0, sizeof config);
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.mode != NULL) {
        return run_as_child(config.mode);
    }
    (void)wm_system_query(&system);

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, STEP_COUNT, &options, NULL, NULL);
    show_last_error(&lesson, &system);
    show_matching_free(&lesson, &system);
    show_reserve_and_lifetime(&lesson, &system);
    show_fragmentation(&lesson);
    show_least_privilege(&lesson, &system);
    show_secrets(&lesson, &system);
    show_views(&lesson, &system);
    show_never_is_bad_read_ptr(&lesson, &system);
    show_measure(&lesson);
    return wm_lesson_end(&lesson);
}
