/*
 * best-practices.c - lesson: the course's rules, each as a do / don't pair run side by side,
 * with what the wrong way measurably does.
 *
 * What you will see when you run it:
 *   1. Read GetLastError at once: a later failing call overwrites the code (87 becomes 2).
 *   2. Free with the matching function; a crossed HeapFree runs in a child process.
 *   3. Reserve big, commit as needed: 256 MiB reserved, three pages committed.
 *   4. A subsystem's heap or arena goes in one call instead of one free per block.
 *   5. Pool blocks by size and lifetime: mixed, the freed large blocks stay as holes.
 *   6. Seal a table read-only after start-up: a later write faults.
 *   7. A fence page after a buffer: an off-by-one write faults at exactly that byte.
 *   8. Secrets: reused memory still holds them; SecureZeroMemory; VirtualLock.
 *   9. Map a large file through a sliding view, not as one view.
 *  10. Never IsBadReadPtr (in a child process): it eats a guard page; VirtualQuery does not.
 *  11. Measure instead of guessing: the benchmark's quick run, reported, never asserted.
 *
 * Every access that faults (steps 6 and 7) is a line of C here, caught by catch_fault, a
 * vectored exception handler that records the fault and lets the program go on.
 *
 * Run:  best-practices [--json] [--pause]
 * Docs: docs/best-practices.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "best-practices"
#define LESSON_TITLE                                                                               \
    "Best practices: each rule as a do / don't pair, and what the wrong way measurably does."

/* Step 1: a file that does not exist, as a logging helper might look for one. */
#define MISSING_FILE L"winmem-best-practices-no-such-file.log"

/* Steps 3 and 4: the reservation, the pages used, a subsystem's blocks. 256 MiB is large
 * next to three pages yet commits without trouble on any machine with a page file. */
#define BIG_RESERVATION (256u * 1024u * 1024u)
#define PAGES_USED 3u
#define SUBSYSTEM_BLOCKS 500u
#define SUBSYSTEM_BLOCK_SIZE 48u

/* Step 5: small and large blocks, interleaved or pooled. Both sizes are far below the size
 * above which a heap hands a block straight to VirtualAlloc. */
#define FRAGMENT_PAIRS 500u
#define SMALL_BLOCK 64u
#define LARGE_BLOCK 1024u

/* Step 7: a buffer that ends at a fence page; 100 bytes is not a multiple of anything. */
#define FENCED_SIZE 100u

/* Steps 2 and 8: the secret, and the size of the blocks that hold it. */
#define SECRET "correct horse battery staple"
#define SECRET_BLOCK 64u

/* Step 9: the file and the sliding view, in allocation granules. */
#define MAP_FILE_GRANULES 64u /* 4 MiB with 64 KiB granules */
#define MAP_VIEW_GRANULES 4u  /* 256 KiB views */

/* What the lesson keeps between steps. */
typedef struct lesson_state_s
{
    SYSTEM_INFO system; /* page size and allocation granularity, read by the first step */
} lesson_state_t;

/* What step 2's child reports back (wm_child_report). If HeapFree ends the process, no
 * report arrives: the exit code says what happened. */
typedef struct wrong_heap_report_s
{
    BOOL freed;  /* what HeapFree(process heap, a private heap's block) returned */
    DWORD error; /* GetLastError right after it */
} wrong_heap_report_t;

/* What step 10's child reports back: the page's protection around IsBadReadPtr. */
typedef struct bad_ptr_report_s
{
    DWORD before; /* Protect before the call: PAGE_READWRITE | PAGE_GUARD */
    BOOL bad;     /* what IsBadReadPtr returned */
    DWORD after;  /* Protect after it */
} bad_ptr_report_t;

/* How Wine is recorded to differ (docs/deviations.md has the rows). */
static const wm_deviation_t HEAP_WALK_SKIPS_REGIONS = {
    "wine-heap-walk-skips-regions",
    "HeapWalk lists a later region of the heap and its uncommitted range but none of its "
    "blocks, so live blocks (the count above) and holes go uncounted."};
static const wm_deviation_t VIRTUAL_UNLOCK_ACCEPTS_UNLOCKED = {
    "wine-virtual-unlock-accepts-unlocked",
    "VirtualUnlock returns TRUE for a page that is not locked."};
static const wm_deviation_t IS_BAD_READ_PTR_GUARD_ESCAPES = {
    "wine-is-bad-read-ptr-guard-escapes",
    "IsBadReadPtr lets the guard page's exception (STATUS_GUARD_PAGE_VIOLATION, 0x80000001) "
    "escape: the child died of it (its exit code above), which is worse still."};

/* ------------------------------------------------------------------------------------ */
/* The handler: the faults steps 6 and 7 make on purpose land here.                     */
/* ------------------------------------------------------------------------------------ */

/* The page the handler watches, and the last fault it took there. The one variable the
 * steps share with the handler (a handler gets no context pointer). */
typedef struct watch_s
{
    uintptr_t page;    /* the page watched: faults elsewhere are not ours */
    SIZE_T size;       /* its size: the page size */
    DWORD thread;      /* the thread that may fault there */
    DWORD code;        /* ExceptionCode of the last fault; 0: none */
    uintptr_t address; /* ExceptionInformation[1]: the address touched */
} watch_t;

static volatile watch_t watch;

/* Watches one page of size bytes on this thread, and forgets the last fault. */
static void watch_page(const volatile void *page, SIZE_T size)
{
    watch.page = (uintptr_t)page;
    watch.size = size;
    watch.thread = GetCurrentThreadId();
    watch.code = 0;
    watch.address = 0;
}

/*
 * A vectored exception handler (AddVectoredExceptionHandler on Microsoft Learn): it records
 * an access violation on the watched page, opens the page (PAGE_READWRITE) and resumes, so
 * the access runs again and succeeds. Anything else goes on to the next handler.
 */
static LONG CALLBACK catch_fault(EXCEPTION_POINTERS *pointers)
{
    EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    uintptr_t address = 0;
    DWORD old_protect = 0;
    BOOL opened = FALSE;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || record->NumberParameters < 2) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    address = (uintptr_t)record->ExceptionInformation[1];
    if (GetCurrentThreadId() != watch.thread || address < watch.page ||
        address - watch.page >= watch.size) {
        return EXCEPTION_CONTINUE_SEARCH; /* not ours */
    }
    watch.code = record->ExceptionCode;
    watch.address = address;
    opened = VirtualProtect((void *)address, 1, PAGE_READWRITE, &old_protect);
    return opened ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1: check every return value; read GetLastError at once.                         */
/* ------------------------------------------------------------------------------------ */

static void show_last_error(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = 0;
    void *base = NULL;
    BOOL released = FALSE;
    DWORD at_once = 0;
    DWORD too_late = 0;
    DWORD attributes = 0;

    GetSystemInfo(&state->system); /* cannot fail; the later steps use it too */
    page_size = state->system.dwPageSize;
    base = VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT, /* one page to misuse */
                        PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc (a page to release wrongly)", base != NULL)) {
        return;
    }
    /* Do: the error read on the line after the failing call (GetLastError on Microsoft
     * Learn: call it at once, before another call can set it). */
    released = VirtualFree(base, page_size, MEM_RELEASE); /* wrong: MEM_RELEASE wants size 0 */
    at_once = GetLastError();
    wm_value_hex(lesson, "VirtualFree returned", (uint64_t)released, "FALSE");
    wm_value_count(lesson, "GetLastError read at once", at_once, NULL);
    wm_claim(lesson, "bp.error-at-once",
             "Read at once, the code is VirtualFree's: 87 (ERROR_INVALID_PARAMETER).",
             !released && at_once == ERROR_INVALID_PARAMETER);

    /* Don't: another call between the failure and the read. */
    released = VirtualFree(base, page_size, MEM_RELEASE); /* the same failure */
    attributes = GetFileAttributesW(MISSING_FILE);        /* "is there a log file?" */
    too_late = GetLastError();
    wm_value_count(lesson, "GetLastError read after a logging call", too_late, NULL);
    wm_claim(lesson, "bp.error-overwritten",
             "Read after the logging call (which failed too), the code is the logger's: "
             "VirtualFree's 87 is lost.",
             !released && attributes == INVALID_FILE_ATTRIBUTES &&
                 too_late != ERROR_INVALID_PARAMETER && too_late != ERROR_SUCCESS);
    released = VirtualFree(base, 0, MEM_RELEASE); /* the right way: size 0 */
    (void)wm_require_win32(lesson, "VirtualFree(base, 0, MEM_RELEASE)", released);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2: free with the matching function.                                             */
/* ------------------------------------------------------------------------------------ */

/* The child: a block from a private heap, handed to the process heap's HeapFree. */
static int run_wrong_heap_child(void *context)
{
    HANDLE heap = NULL;
    void *block = NULL;
    wrong_heap_report_t report;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    memset(&report, 0, sizeof report);
    heap = HeapCreate(0, /* serialized */
                      0, /* initial size: one page */
                      0 /* growable */);
    if (heap == NULL) {
        return WM_EXIT_FAILED;
    }
    block = HeapAlloc(heap, 0 /* no flags */, SECRET_BLOCK);
    if (block == NULL) {
        return WM_EXIT_FAILED;
    }
    /* Wrong on purpose: HeapFree on Microsoft Learn takes the heap that allocated the
     * block; what another heap does with it is not documented. */
    report.freed = HeapFree(GetProcessHeap(), 0 /* no flags */, block);
    report.error = GetLastError();
    error = wm_child_report(&report, sizeof report);
    /* Not destroyed: the heap may be damaged now; the process ends here anyway. */
    return error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static void show_matching_free(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = NULL;
    void *block = NULL;
    BOOL freed = FALSE;
    BOOL destroyed = FALSE;
    wm_output_t output;
    wrong_heap_report_t report;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int reported = 0;

    (void)context;
    heap = HeapCreate(0, /* serialized */
                      0, /* initial size: one page */
                      0 /* growable */);
    if (!wm_require_win32(lesson, "HeapCreate", heap != NULL)) {
        return;
    }
    block = HeapAlloc(heap, 0 /* no flags */, SECRET_BLOCK);
    if (wm_require_win32(lesson, "HeapAlloc", block != NULL)) {
        freed = HeapFree(heap, 0 /* no flags */, block); /* do: the heap that allocated it */
        wm_claim(lesson, "bp.heap-free-same-heap",
                 "HeapFree on the heap that allocated the block succeeds.", freed != FALSE);
    }
    destroyed = HeapDestroy(heap);
    if (!wm_require_win32(lesson, "HeapDestroy", destroyed)) {
        return;
    }

    /* Don't: a crossed pair, in a copy of this program (it may damage a heap). */
    memset(&output, 0, sizeof output);
    error = wm_process_run_self(L"--child=wrong-heap", wm_output_collect, &output, &exit_code);
    if (!wm_require(lesson, "Running the wrong-heap child (CreateProcessW)", error)) {
        return;
    }
    wm_value_hex(lesson, "child exit code", exit_code,
                 "0: it reported; 0xC0000374 heap corruption or 0xC0000005: it was ended");
    reported = wm_child_report_read(output.text, output.length, &report, sizeof report);
    if (reported) {
        wm_value_hex(lesson, "crossed HeapFree returned", (uint64_t)report.freed, NULL);
        wm_value_count(lesson, "GetLastError after it", report.error, NULL);
    }
    /* What a heap does with another heap's block is not documented: values, no claim. */
    wm_note(lesson, "Windows documents no outcome for a crossed HeapFree: it may fail, end the "
                    "process, or damage the heap silently. Never rely on any of them.");
}

/* ------------------------------------------------------------------------------------ */
/* Step 3: reserve big, commit as needed.                                               */
/* ------------------------------------------------------------------------------------ */

static void show_reserve_then_commit(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T used_bytes = (SIZE_T)PAGES_USED * state->system.dwPageSize;
    MEMORY_BASIC_INFORMATION used;
    MEMORY_BASIC_INFORMATION rest;
    MEMORY_BASIC_INFORMATION all;
    void *reserved = NULL;
    void *committed = NULL;
    BOOL released = FALSE;

    reserved = VirtualAlloc(NULL, BIG_RESERVATION, /* do: the most it may ever need */
                            MEM_RESERVE,           /* address space only: no commit charge */
                            PAGE_NOACCESS);        /* nothing touches it until committed */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE, 256 MiB)", reserved != NULL)) {
        return;
    }
    committed = VirtualAlloc(reserved, used_bytes, /* the three pages used, as they fill */
                             MEM_COMMIT,           /* charged against the commit limit */
                             PAGE_READWRITE);
    if (wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT, three pages)", committed != NULL)) {
        (void)VirtualQuery(reserved, &used, sizeof used);
        (void)VirtualQuery((char *)reserved + used_bytes, &rest, sizeof rest);
        wm_value_bytes(lesson, "do: committed", used.RegionSize);
        wm_value_bytes(lesson, "do: still only reserved", rest.RegionSize);
        wm_claim(lesson, "bp.commit-as-needed",
                 "Reserved 256 MiB, committed three pages: VirtualQuery shows three committed "
                 "pages, then the rest of the range reserved.",
                 used.State == MEM_COMMIT && used.RegionSize == used_bytes &&
                     rest.State == MEM_RESERVE && rest.RegionSize == BIG_RESERVATION - used_bytes);
    }
    released = VirtualFree(reserved, 0, MEM_RELEASE); /* size 0: the whole reservation */
    if (!wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", released)) {
        return;
    }

    committed = VirtualAlloc(NULL, BIG_RESERVATION,    /* don't: all of it... */
                             MEM_RESERVE | MEM_COMMIT, /* ...committed up front */
                             PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_RESERVE | MEM_COMMIT, 256 MiB)",
                          committed != NULL)) {
        return;
    }
    (void)VirtualQuery(committed, &all, sizeof all);
    wm_value_bytes(lesson, "don't: committed", all.RegionSize);
    wm_claim(lesson, "bp.commit-up-front",
             "Committed up front, all 256 MiB are committed (and charged), used or not.",
             all.State == MEM_COMMIT && all.RegionSize == BIG_RESERVATION);
    released = VirtualFree(committed, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", released);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4: choose the allocator by lifetime.                                            */
/* ------------------------------------------------------------------------------------ */

/* The arena's side of step 4: the library's bump-pointer arena, released in one call. */
static void show_arena_lifetime(wm_lesson_t *lesson, const SYSTEM_INFO *system)
{
    MEMORY_BASIC_INFORMATION region;
    wm_arena_t arena;
    void *block = NULL;
    uintptr_t arena_base = 0;
    unsigned i = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&arena, 0, sizeof arena);
    error = wm_arena_create(BIG_RESERVATION, system->dwAllocationGranularity, &arena);
    if (!wm_require(lesson, "wm_arena_create (the subsystem's arena)", error)) {
        return;
    }
    for (i = 0; i < SUBSYSTEM_BLOCKS && error == ERROR_SUCCESS; i++) {
        error = wm_arena_alloc(&arena, SUBSYSTEM_BLOCK_SIZE, 16 /* malloc's alignment */, &block);
    }
    arena_base = arena.base;
    if (!wm_require(lesson, "wm_arena_alloc (the subsystem's blocks)", error)) {
        (void)wm_arena_release(&arena);
        return;
    }
    error = wm_arena_release(&arena); /* one VirtualFree(MEM_RELEASE) */
    if (!wm_require(lesson, "wm_arena_release", error)) {
        return;
    }
    (void)VirtualQuery((const void *)arena_base, &region, sizeof region);
    wm_claim(lesson, "bp.arena-release-frees",
             "One release frees the arena's 500 blocks: VirtualQuery shows its range MEM_FREE.",
             region.State == MEM_FREE);
}

static void show_allocator_by_lifetime(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    MEMORY_BASIC_INFORMATION region;
    HANDLE heap = NULL;
    void *first = NULL;
    void *block = NULL;
    BOOL destroyed = FALSE;
    unsigned i = 0;

    heap = HeapCreate(HEAP_NO_SERIALIZE, /* one thread owns the subsystem: no lock */
                      0,                 /* initial size: one page */
                      0 /* growable */);
    if (!wm_require_win32(lesson, "HeapCreate (the subsystem's heap)", heap != NULL)) {
        return;
    }
    for (i = 0; i < SUBSYSTEM_BLOCKS; i++) {
        block = HeapAlloc(heap, 0 /* no flags */, SUBSYSTEM_BLOCK_SIZE);
        if (!wm_require_win32(lesson, "HeapAlloc (the subsystem's blocks)", block != NULL)) {
            return;
        }
        first = first != NULL ? first : block;
    }
    destroyed = HeapDestroy(heap); /* every block goes with it: no free per block */
    if (!wm_require_win32(lesson, "HeapDestroy", destroyed)) {
        return;
    }
    (void)VirtualQuery(first, &region, sizeof region);
    wm_value_hex(lesson, "first block's page after HeapDestroy: state", region.State,
                 "0x10000: MEM_FREE");
    wm_claim(lesson, "bp.heap-destroy-releases",
             "One HeapDestroy frees all 500 blocks: the pages they were on are released "
             "(MEM_FREE).",
             region.State == MEM_FREE);
    show_arena_lifetime(lesson, &state->system);
    wm_value_count(lesson, "release calls, subsystem heap or arena", 1, "calls");
    wm_value_count(lesson, "release calls, one free per block", SUBSYSTEM_BLOCKS, "calls");
}

/* ------------------------------------------------------------------------------------ */
/* Step 5: avoid fragmentation.                                                         */
/* ------------------------------------------------------------------------------------ */

/* The mixed heap: small and large blocks interleaved, then the large ones freed. Fills
 * walk with HeapWalk's totals. Returns ERROR_SUCCESS or the first failing call's error. */
static DWORD fragment_mixed_heap(HANDLE mixed, wm_heap_summary_t *walk)
{
    void *small_block = NULL;
    void *large_blocks[FRAGMENT_PAIRS];
    BOOL freed = FALSE;
    unsigned i = 0;

    for (i = 0; i < FRAGMENT_PAIRS; i++) {
        small_block = HeapAlloc(mixed, 0 /* no flags */, SMALL_BLOCK);     /* lives on */
        large_blocks[i] = HeapAlloc(mixed, 0 /* no flags */, LARGE_BLOCK); /* dies soon */
        if (small_block == NULL || large_blocks[i] == NULL) {
            return ERROR_NOT_ENOUGH_MEMORY; /* HeapAlloc sets no last error */
        }
    }
    for (i = 0; i < FRAGMENT_PAIRS; i++) {
        freed = HeapFree(mixed, 0 /* no flags */, large_blocks[i]); /* a hole between two */
        if (!freed) {
            return GetLastError();
        }
    }
    return wm_heap_walk(mixed, walk, NULL, NULL);
}

/* The same blocks in two pools by size; the large pool goes in one HeapDestroy. Fills walk
 * with the small pool's totals. */
static DWORD pool_by_size(HANDLE small_pool, HANDLE large_pool, wm_heap_summary_t *walk)
{
    void *small_block = NULL;
    void *large_block = NULL;
    BOOL destroyed = FALSE;
    unsigned i = 0;

    for (i = 0; i < FRAGMENT_PAIRS; i++) {
        small_block = HeapAlloc(small_pool, 0 /* no flags */, SMALL_BLOCK);
        large_block = HeapAlloc(large_pool, 0 /* no flags */, LARGE_BLOCK);
        if (small_block == NULL || large_block == NULL) {
            return ERROR_NOT_ENOUGH_MEMORY;
        }
    }
    destroyed = HeapDestroy(large_pool); /* the large ones go together */
    if (!destroyed) {
        return GetLastError();
    }
    return wm_heap_walk(small_pool, walk, NULL, NULL);
}

static void show_fragmentation(wm_lesson_t *lesson, void *context)
{
    HANDLE mixed = NULL;
    HANDLE small_pool = NULL;
    HANDLE large_pool = NULL;
    wm_heap_summary_t mixed_walk;
    wm_heap_summary_t pooled_walk;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    memset(&mixed_walk, 0, sizeof mixed_walk);
    memset(&pooled_walk, 0, sizeof pooled_walk);
    /* HEAP_NO_SERIALIZE keeps the low-fragmentation heap out (HeapSetInformation on
     * Microsoft Learn), so the walk shows the back end's free blocks. */
    mixed = HeapCreate(HEAP_NO_SERIALIZE, 0, 0 /* growable */);
    small_pool = HeapCreate(HEAP_NO_SERIALIZE, 0, 0 /* growable */);
    large_pool = HeapCreate(HEAP_NO_SERIALIZE, 0, 0 /* growable */);
    if (!wm_require_win32(lesson, "HeapCreate (three heaps)",
                          mixed != NULL && small_pool != NULL && large_pool != NULL)) {
        return;
    }
    error = fragment_mixed_heap(mixed, &mixed_walk);
    if (wm_require(lesson, "500 small and 500 large blocks interleaved, then HeapWalk", error)) {
        error = pool_by_size(small_pool, large_pool, &pooled_walk);
    }
    if (wm_require(lesson, "The same blocks pooled by size, then HeapWalk", error)) {
        wm_value_count(lesson, "mixed: live blocks listed", mixed_walk.busy_blocks, NULL);
        wm_value_count(lesson, "mixed: free blocks (holes)", mixed_walk.free_blocks, NULL);
        wm_value_bytes(lesson, "mixed: largest free block", mixed_walk.largest_free);
        wm_value_bytes(lesson, "mixed: free bytes", mixed_walk.free_bytes);
        wm_value_count(lesson, "pooled: free blocks (holes)", pooled_walk.free_blocks, NULL);
        /* How many holes, and how big, is the heap manager's business: values above. What
         * holds: a block never moves (HeapAlloc on Microsoft Learn), and a free block joins
         * only free neighbours (HeapCompact on Microsoft Learn), so each freed large block
         * stays a hole between two live small ones, while the small pool freed nothing. */
        wm_claim(lesson, "bp.holes-stay",
                 "Mixed, the freed large blocks stay behind as holes between the live small "
                 "ones: more free blocks than in the small pool, which freed nothing.",
                 mixed_walk.free_blocks > pooled_walk.free_blocks);
        /* HeapWalk on Microsoft Learn: it enumerates the memory blocks in the heap. */
        wm_claim_or_deviation(lesson, "bp.walk-lists-live",
                              "HeapWalk listed every live block of the mixed heap.",
                              mixed_walk.busy_blocks >= FRAGMENT_PAIRS,
                              mixed_walk.busy_blocks < FRAGMENT_PAIRS, &HEAP_WALK_SKIPS_REGIONS);
    }
    (void)HeapDestroy(small_pool);
    (void)HeapDestroy(mixed);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6: least privilege: seal a table after start-up.                                */
/* ------------------------------------------------------------------------------------ */

static void show_sealed_table(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = state->system.dwPageSize;
    volatile unsigned char *table = NULL;
    MEMORY_BASIC_INFORMATION region;
    PVOID handler = NULL;
    DWORD old_protect = 0;
    BOOL ok = FALSE;
    unsigned char value = 0;

    table = (volatile unsigned char *)VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT,
                                                   PAGE_READWRITE); /* writable while filled */
    if (!wm_require_win32(lesson, "VirtualAlloc (the table's page)", table != NULL)) {
        return;
    }
    table[0] = 42;                                               /* start-up fills the table */
    ok = VirtualProtect((void *)table, page_size, PAGE_READONLY, /* sealed: read only */
                        &old_protect);
    if (wm_require_win32(lesson, "VirtualProtect(PAGE_READONLY)", ok)) {
        (void)VirtualQuery((const void *)table, &region, sizeof region);
        wm_value_hex(lesson, "table protection", region.Protect, "PAGE_READONLY is 0x02");
        handler = AddVectoredExceptionHandler(1 /* first */, catch_fault);
    }
    if (handler != NULL) {
        watch_page(table, page_size);
        value = table[0]; /* reading is allowed */
        wm_claim(lesson, "bp.sealed-reads",
                 "Reading the sealed table works, and finds the value written before sealing.",
                 watch.code == 0 && value == 42);
        table[0] = 7; /* a later write: the fault, caught by catch_fault */
        wm_value_hex(lesson, "the write's exception", watch.code, "0xC0000005: access violation");
        wm_claim(lesson, "bp.sealed-write-faults",
                 "A later write to the sealed table is an access violation at the table.",
                 watch.code == EXCEPTION_ACCESS_VIOLATION && watch.address == (uintptr_t)table);
        (void)RemoveVectoredExceptionHandler(handler);
    }
    ok = VirtualFree((void *)table, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7: a fence page after a buffer.                                                 */
/* ------------------------------------------------------------------------------------ */

static void show_fence_page(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = state->system.dwPageSize;
    unsigned char *pages = NULL;
    volatile unsigned char *buffer = NULL;
    volatile unsigned char *fence = NULL;
    PVOID handler = NULL;
    DWORD old_protect = 0;
    BOOL ok = FALSE;

    pages = (unsigned char *)VirtualAlloc(NULL, 2 * page_size, /* the buffer's page, a fence */
                                          MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc (two pages)", pages != NULL)) {
        return;
    }
    fence = pages + page_size;
    ok = VirtualProtect((void *)fence, page_size, PAGE_NOACCESS, /* any access faults */
                        &old_protect);
    if (wm_require_win32(lesson, "VirtualProtect(PAGE_NOACCESS) on the fence", ok)) {
        handler = AddVectoredExceptionHandler(1 /* first */, catch_fault);
    }
    if (handler != NULL) {
        buffer = fence - FENCED_SIZE; /* the buffer ends where the fence starts */
        watch_page(fence, page_size);
        buffer[FENCED_SIZE - 1] = 1; /* the last byte: fine */
        buffer[FENCED_SIZE] = 1;     /* off by one: the fault, caught by catch_fault */
        wm_value_address(lesson, "first byte past the buffer", (uintptr_t)(buffer + FENCED_SIZE));
        wm_value_address(lesson, "fault address", watch.address);
        wm_claim(lesson, "bp.fence-faults-at-byte",
                 "An off-by-one write faults at exactly the first byte past the buffer.",
                 watch.code == EXCEPTION_ACCESS_VIOLATION &&
                     watch.address == (uintptr_t)(buffer + FENCED_SIZE));
        (void)RemoveVectoredExceptionHandler(handler);
    }
    ok = VirtualFree(pages, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8: secrets.                                                                     */
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

/* Don't and do: a secret let go without wiping, then wiped. The library's arena stands for
 * any allocator that reuses memory (a reset that keeps its pages). */
static void show_secret_reuse(wm_lesson_t *lesson, const SYSTEM_INFO *system)
{
    wm_arena_t arena;
    void *first = NULL;
    void *again = NULL;
    int still_there = 0;
    DWORD error = ERROR_SUCCESS;

    memset(&arena, 0, sizeof arena);
    error = wm_arena_create(system->dwAllocationGranularity, system->dwPageSize, &arena);
    if (!wm_require(lesson, "wm_arena_create (an arena for the secret)", error)) {
        return;
    }
    error = wm_arena_alloc(&arena, SECRET_BLOCK, 16 /* malloc's alignment */, &first);
    if (error == ERROR_SUCCESS) {
        memcpy(first, SECRET, sizeof SECRET);
        error = wm_arena_reset(&arena, 1 /* keep the pages: reuse, as a heap would */);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_arena_alloc(&arena, SECRET_BLOCK, 16 /* malloc's alignment */, &again);
    }
    if (wm_require(lesson, "Write the secret, let go without wiping, allocate again", error)) {
        still_there = memcmp(again, SECRET, sizeof SECRET) == 0;
        wm_value_text(lesson, "don't: the next owner reads", still_there ? SECRET : "(other)");
        SecureZeroMemory(again, SECRET_BLOCK); /* do: wipe before letting go */
        wm_claim(lesson, "bp.secure-zero", "Wiped with SecureZeroMemory, the block reads zeros.",
                 all_zero((const unsigned char *)again, SECRET_BLOCK));
    }
    error = wm_arena_release(&arena);
    (void)wm_require(lesson, "wm_arena_release", error);
}

static void show_secrets(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T page_size = state->system.dwPageSize;
    void *key_page = NULL;
    BOOL locked = FALSE;
    BOOL unlocked = FALSE;
    DWORD unlock_error = ERROR_SUCCESS;
    BOOL released = FALSE;

    show_secret_reuse(lesson, &state->system);
    key_page = VirtualAlloc(NULL, page_size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!wm_require_win32(lesson, "VirtualAlloc (a page for a key)", key_page != NULL)) {
        return;
    }
    /* VirtualLock on Microsoft Learn: committed pages only, within the minimum working
     * set; one page fits in any. Locked pages stay in RAM, out of the page file. */
    locked = VirtualLock(key_page, page_size);
    if (wm_require_win32(lesson, "VirtualLock (one page)", locked)) {
        unlocked = VirtualUnlock(key_page, page_size);
        (void)wm_require_win32(lesson, "VirtualUnlock", unlocked);
    }
    /* Don't: unlock what is not locked (VirtualUnlock on Microsoft Learn: FALSE,
     * ERROR_NOT_LOCKED, and the pages leave the working set). */
    unlocked = VirtualUnlock(key_page, page_size);
    unlock_error = unlocked ? ERROR_SUCCESS : GetLastError();
    wm_value_count(lesson, "second VirtualUnlock: error", unlock_error, NULL);
    wm_claim_or_deviation(lesson, "bp.unlock-not-locked",
                          "Unlocking a page that is not locked fails with ERROR_NOT_LOCKED (158).",
                          !unlocked && unlock_error == ERROR_NOT_LOCKED, unlocked != FALSE,
                          &VIRTUAL_UNLOCK_ACCEPTS_UNLOCKED);
    SecureZeroMemory(key_page, page_size); /* wiped before it goes back */
    released = VirtualFree(key_page, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", released);
}

/* ------------------------------------------------------------------------------------ */
/* Step 9: map large files through views.                                               */
/* ------------------------------------------------------------------------------------ */

/* Makes a temp file of size bytes, deleted when its last handle closes. */
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
    if (length == 0 || length >= MAX_PATH) {
        return length == 0 ? GetLastError() : ERROR_BUFFER_OVERFLOW;
    }
    swprintf(path, MAX_PATH, L"%lswinmem-best-practices-%lu.bin", folder,
             (unsigned long)GetCurrentProcessId());
    *file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, /* no sharing */
                        NULL,                                  /* default security */
                        CREATE_NEW,                            /* never reuse a file */
                        FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, /* gone with it */
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

/* Do: the sliding view. Maps view_size bytes at a time, offsets multiples of the allocation
 * granularity (MapViewOfFile on Microsoft Learn), checksums them and unmaps. */
static DWORD checksum_through_views(HANDLE mapping, ULONGLONG size, SIZE_T view_size,
                                    uint32_t *checksum, unsigned *views)
{
    ULONGLONG offset = 0;
    SIZE_T length = 0;
    void *view = NULL;
    BOOL unmapped = FALSE;

    for (offset = 0; offset < size; offset += view_size) {
        length = size - offset < view_size ? (SIZE_T)(size - offset) : view_size;
        view = MapViewOfFile(mapping, FILE_MAP_READ, /* read only, as the mapping */
                             (DWORD)(offset >> 32),  /* the offset's high half */
                             (DWORD)(offset & 0xFFFFFFFFu), length);
        if (view == NULL) {
            return GetLastError();
        }
        *checksum = wm_checksum(view, length, *checksum);
        (*views)++;
        unmapped = UnmapViewOfFile(view); /* before the next one: one view at a time */
        if (!unmapped) {
            return GetLastError();
        }
    }
    return ERROR_SUCCESS;
}

static void show_views(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    ULONGLONG size = (ULONGLONG)state->system.dwAllocationGranularity * MAP_FILE_GRANULES;
    SIZE_T view_size = (SIZE_T)state->system.dwAllocationGranularity * MAP_VIEW_GRANULES;
    wchar_t path[MAX_PATH];
    HANDLE file = INVALID_HANDLE_VALUE;
    HANDLE mapping = NULL;
    void *whole_view = NULL;
    uint32_t whole = WM_CHECKSUM_SEED;
    uint32_t slid = WM_CHECKSUM_SEED;
    unsigned views = 0;
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    error = make_temp_file(path, size, &file);
    if (!wm_require(lesson, "A 4 MiB temp file (FILE_FLAG_DELETE_ON_CLOSE)", error)) {
        if (file != INVALID_HANDLE_VALUE) {
            (void)CloseHandle(file); /* written in part: closing deletes it */
        }
        return;
    }
    mapping = CreateFileMappingW(file, NULL,    /* default security */
                                 PAGE_READONLY, /* views may only read */
                                 0, 0,          /* the file's size */
                                 NULL);         /* no name */
    if (wm_require_win32(lesson, "CreateFileMappingW(PAGE_READONLY)", mapping != NULL)) {
        whole_view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, /* from the start */
                                   0); /* don't: the whole file in one view */
    }
    if (whole_view != NULL) {
        whole = wm_checksum(whole_view, (SIZE_T)size, whole);
        wm_value_bytes(lesson, "don't: address space of the one view", size);
        ok = UnmapViewOfFile(whole_view);
        error =
            ok ? checksum_through_views(mapping, size, view_size, &slid, &views) : GetLastError();
        if (wm_require(lesson, "MapViewOfFile / UnmapViewOfFile, view by view", error)) {
            wm_value_bytes(lesson, "do: address space of each view", view_size);
            wm_value_count(lesson, "views mapped one after another", views, NULL);
            wm_claim(lesson, "bp.views-same-bytes",
                     "The sliding views read the same bytes as the one view (the same "
                     "checksum).",
                     slid == whole && views == MAP_FILE_GRANULES / MAP_VIEW_GRANULES);
        }
    } else if (mapping != NULL) {
        (void)wm_require_win32(lesson, "MapViewOfFile (the whole file)", FALSE);
    }
    if (mapping != NULL) {
        ok = CloseHandle(mapping);
        (void)wm_require_win32(lesson, "CloseHandle (the mapping)", ok);
    }
    ok = CloseHandle(file); /* the last handle: FILE_FLAG_DELETE_ON_CLOSE deletes the file */
    attributes = GetFileAttributesW(path);
    wm_claim(lesson, "bp.delete-on-close", "Closing the last handle deletes the temp file.",
             ok && attributes == INVALID_FILE_ATTRIBUTES);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10: never IsBadReadPtr.                                                         */
/* ------------------------------------------------------------------------------------ */

/* The child: IsBadReadPtr on a guard page, and the page's protection around it. */
static int run_bad_read_ptr_child(void *context)
{
    SYSTEM_INFO system;
    MEMORY_BASIC_INFORMATION region;
    bad_ptr_report_t report;
    void *page = NULL;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    memset(&report, 0, sizeof report);
    GetSystemInfo(&system);
    page = VirtualAlloc(NULL, system.dwPageSize, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE | PAGE_GUARD); /* a guard page, as below a stack */
    if (page == NULL) {
        return WM_EXIT_FAILED;
    }
    (void)VirtualQuery(page, &region, sizeof region);
    report.before = region.Protect;
    /* Don't, shown on purpose: IsBadReadPtr (obsolete, Microsoft Learn) reads the memory,
     * which fires (and so removes) a guard page. */
    report.bad = IsBadReadPtr(page, 1);
    (void)VirtualQuery(page, &region, sizeof region);
    report.after = region.Protect;
    error = wm_child_report(&report, sizeof report);
    return error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static void show_never_is_bad_read_ptr(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    wm_output_t output;
    bad_ptr_report_t report;
    MEMORY_BASIC_INFORMATION region;
    void *page = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int reported = 0;
    BOOL ok = FALSE;

    memset(&output, 0, sizeof output);
    memset(&report, 0, sizeof report);
    error = wm_process_run_self(L"--child=bad-read-ptr", wm_output_collect, &output, &exit_code);
    if (wm_require(lesson, "Running the IsBadReadPtr child (CreateProcessW)", error)) {
        wm_value_hex(lesson, "child exit code", exit_code, NULL);
        reported = wm_child_report_read(output.text, output.length, &report, sizeof report);
        wm_value_hex(lesson, "child: protection before", report.before, "0x104: guard");
        wm_value_hex(lesson, "child: IsBadReadPtr returned", (uint64_t)report.bad, NULL);
        wm_value_hex(lesson, "child: protection after", report.after, "0x04: guard gone");
        wm_claim_or_deviation(
            lesson, "bp.is-bad-read-ptr-eats-guard",
            "don't: IsBadReadPtr reported the guard page bad, and the guard was gone "
            "afterwards (PAGE_GUARD 0x100 cleared).",
            reported && (report.before & PAGE_GUARD) != 0 && report.bad != FALSE &&
                (report.after & PAGE_GUARD) == 0,
            !reported && exit_code == (DWORD)STATUS_GUARD_PAGE_VIOLATION,
            &IS_BAD_READ_PTR_GUARD_ESCAPES);
    }

    page = VirtualAlloc(NULL, state->system.dwPageSize, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE | PAGE_GUARD); /* do: look at a guard page... */
    if (!wm_require_win32(lesson, "VirtualAlloc(PAGE_READWRITE | PAGE_GUARD)", page != NULL)) {
        return;
    }
    (void)VirtualQuery(page, &region, sizeof region); /* ...with VirtualQuery */
    (void)VirtualQuery(page, &region, sizeof region); /* a second look changes nothing */
    wm_value_hex(lesson, "do: VirtualQuery twice, protection", region.Protect, "0x104: guard kept");
    wm_claim(lesson, "bp.query-keeps-guard",
             "VirtualQuery looks without touching: the guard is still armed.",
             (region.Protect & PAGE_GUARD) != 0);
    ok = VirtualFree(page, 0, MEM_RELEASE);
    (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 11: measure instead of guessing.                                                */
/* ------------------------------------------------------------------------------------ */

static void show_measure(wm_lesson_t *lesson, void *context)
{
    wm_output_t output;
    wchar_t bench[MAX_PATH];
    const char *targets = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    memset(&output, 0, sizeof output);
    error = wm_process_sibling_path(L"bench.exe", bench, MAX_PATH);
    if (error == ERROR_SUCCESS) {
        error = wm_process_run(bench, L"--quick", wm_output_collect, &output, &exit_code);
    }
    if (!wm_require(lesson, "Running bench --quick", error)) {
        return;
    }
    wm_value_count(lesson, "bench exit code", exit_code, NULL);
    targets = strstr(output.text, "\nnoise floor"); /* its last two sections */
    wm_note(lesson, "%s", targets != NULL ? targets : output.text);
    /* Timings are values: no claim here, and none in any test (docs/benchmarks.md). */
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table: its steps and child modes.                                    */
/* ------------------------------------------------------------------------------------ */

static const wm_lesson_step_t steps[] = {
    {"Check every return value; read GetLastError at once",
     "A Win32 call says it failed by its return value (FALSE, NULL, INVALID_HANDLE_VALUE); "
     "why is in the thread's last-error code, which the next call that fails overwrites. Do: "
     "test the return value and read GetLastError on the very next line. Don't: log first. "
     "Here VirtualFree(MEM_RELEASE) with a size fails with 87; a logging helper then looks "
     "for its file, and the code is its own.",
     show_last_error},
    {"Free with the matching function",
     "Each allocator has its release: HeapAlloc / HeapFree on the same heap, VirtualAlloc / "
     "VirtualFree(base, 0, MEM_RELEASE), MapViewOfFile / UnmapViewOfFile, CreateFileMapping "
     "/ CloseHandle, malloc / free. Do: pair them. Don't: cross them. What a crossed pair does "
     "is undefined (refused, the process ended, or a heap damaged), so it runs in a child "
     "process.",
     show_matching_free},
    {"Reserve big, commit as needed",
     "Do: reserve the most a structure may ever need (address space is cheap) and commit "
     "pages as they fill. Don't: commit it all up front; the commit charge is paid for every "
     "committed page, used or not.",
     show_reserve_then_commit},
    {"Choose the allocator by lifetime",
     "Give a subsystem its own heap or arena, so that its whole lifetime ends in one call "
     "(HeapDestroy, or the arena's one VirtualFree) instead of one free per block.",
     show_allocator_by_lifetime},
    {"Avoid fragmentation: pool blocks by size and lifetime",
     "Don't: interleave short-lived large blocks with long-lived small ones in one heap; when "
     "the large ones go, they leave holes between the small ones that no bigger request can "
     "use. Do: pool them, one heap (or arena) per size class or lifetime, so the large ones "
     "go together. The heaps are HEAP_NO_SERIALIZE, which keeps Windows' low-fragmentation "
     "heap out, so the walk shows the back end's free blocks.",
     show_fragmentation},
    {"Least privilege: seal tables after start-up",
     "Do: give pages the least access they need: a table written once at start-up becomes "
     "PAGE_READONLY, and code is never writable and executable at once (W^X). Don't: leave "
     "everything PAGE_READWRITE, or worse PAGE_EXECUTE_READWRITE.",
     show_sealed_table},
    {"Least privilege: a fence page after a buffer",
     "While testing, end a buffer against a PAGE_NOACCESS page, so that an overrun faults at "
     "the first wrong byte instead of silently corrupting its neighbour.",
     show_fence_page},
    {"Secrets: wipe them with SecureZeroMemory; keep them out of the page file",
     "Memory that is let go is not wiped: the next owner of those bytes reads the old secret. "
     "Do: SecureZeroMemory before letting go (a plain memset of a buffer never read again is "
     "a dead store the compiler may remove). VirtualLock keeps a page in RAM, out of the page "
     "file, while it holds a key.",
     show_secrets},
    {"Map large files through views, not whole",
     "Don't: read a large file whole into memory or map it as one huge view (its size in "
     "address space; a file larger than the address space cannot be mapped at all). Do: "
     "slide a view of a few granules along it. Same bytes, a fraction of the address space.",
     show_views},
    {"Never IsBadReadPtr; know where your pointers come from",
     "IsBadReadPtr answers by touching the memory. On a guard page (a thread's stack grows "
     "through one) that touch fires the guard and removes it; and the answer is stale the "
     "moment another thread frees the memory. Don't: probe pointers. Do: own them, and when "
     "you must look, ask VirtualQuery, which reads the page tables, not the page. The wrong "
     "way runs in a child process.",
     show_never_is_bad_read_ptr},
    {"Measure instead of guessing",
     "\"Heaps are slow\", \"mapping is faster\": each is true somewhere and false somewhere "
     "else. Do: measure on the machine that matters, every variant interleaved, and read "
     "ratios against the measured noise. Don't: assert timings in tests. The benchmark "
     "(bench; docs/benchmarks.md) does that; its quick run follows, reported, never asserted.",
     show_measure},
};

static const wm_lesson_child_t children[] = {
    {"wrong-heap", run_wrong_heap_child},     /* step 2 */
    {"bad-read-ptr", run_bad_read_ptr_child}, /* step 10 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    NULL, /* no options of its own */
    0,
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    NULL, /* the first step reads the system */
    NULL,
    NULL, /* nothing this lesson needs can be missing */
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
