/*
 * heap.c - lesson 2: the heap, a heap manager's bookkeeping on top of virtual memory.
 *
 * "The heap is a region of memory that is dynamically allocated by processes. The Windows
 * API provides functions for heap management. Heap operations can be slower due to the
 * overhead of managing free lists and block headers." Every word of that, made visible.
 *
 * What you will see when you run it:
 *   1. The heaps this process has: the default one, the C runtime's, and one it creates.
 *   2. A private heap with blocks of 1, 16, 100, 1000 and 10000 bytes: what HeapSize says,
 *      and what each block really costs (the walk's overhead, the distance between blocks).
 *   3. HeapSummary's totals, where this Windows has it.
 *   4. HEAP_ZERO_MEMORY, and HEAP_REALLOC_IN_PLACE_ONLY refusing to move a block.
 *   5. HeapReAlloc growing a block: in place or by moving it, the tail zeroed.
 *   6. Fragmentation: 200 blocks, every other one freed: 100 holes; HeapCompact.
 *   7. A fixed-size heap running out: NULL; its per-block cap.
 *   8. HEAP_GENERATE_EXCEPTIONS, in child processes: STATUS_NO_MEMORY instead of NULL.
 *   9. A multi-megabyte block gets its own VirtualAlloc region.
 *  10. HeapDestroy: three subsystem heaps, hundreds of blocks, three calls to clean up.
 *  11. Corruption, safely, in child processes: overruns and a double free.
 *  12. The front end: the standard heap or the Low-Fragmentation Heap.
 *  13. Why heap calls cost more than a bump pointer: a quick timing.
 *
 * Run:  heap [--json] [--pairs=N] [--pause]
 * Docs: docs/heap.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "heap"
#define LESSON_TITLE                                                                               \
    "The heap: a heap manager carves committed pages into blocks, each with a header and free "    \
    "lists to keep, which is what makes it flexible and what makes it cost."

/* Step 2's block sizes: from one byte to several pages. */
static const SIZE_T block_sizes[] = {1, 16, 100, 1000, 10000};
#define BLOCK_SIZE_COUNT (sizeof block_sizes / sizeof block_sizes[0])

/* Steps 4 and 5: a block grown from 64 to 4096 bytes (sizes, not pages). */
#define ORIGINAL_SIZE 64
#define GROWN_SIZE 4096

/* Step 6: how many blocks, and how big: 1000 bytes is far above a header's size, so the
 * holes are easy to see. */
#define FRAGMENT_BLOCKS 200
#define FRAGMENT_SIZE 1000

/* Steps 6 and 7: fixed-size heaps. 4 MiB leaves room for step 6 and for a block close to
 * the largest a fixed-size heap allows; 64 KiB fills up quickly. */
#define FIXED_HEAP_MAXIMUM (4u * 1024u * 1024u)
#define SMALL_HEAP_MAXIMUM (64u * 1024u)
#define FILL_BLOCK_SIZE 1000
#define FILL_ATTEMPTS 1000 /* far more than a 64 KiB heap can hold */

/* Step 7: HeapCreate says a fixed-size heap's largest block is slightly less than 1024 KB on
 * x64 (512 KB for 32-bit processes). One size comfortably under the cap, one over. */
#define UNDER_THE_LIMIT (900u * 1024u)
#define OVER_THE_LIMIT (1100u * 1024u)

/* Steps 9 and 10: a block well past the point where a growable heap calls VirtualAlloc. */
#define LARGE_BLOCK (4u * 1024u * 1024u)

/* Step 10: the subsystems, and what each allocates: blocks of 32, 80, 128, ... 4784 bytes. */
#define SUBSYSTEMS 3
#define SUBSYSTEM_BLOCKS 100
#define SUBSYSTEM_FIRST_SIZE 32
#define SUBSYSTEM_SIZE_STEP 48

/* Step 11: the overrun child's blocks, and how far apart two neighbours may be for the child
 * to trust that nothing but a header lies between them. */
#define OVERRUN_BLOCK 32
#define OVERRUN_LAYOUT_MAX 256

/* Step 12: same-size allocations that Wine's heap test (test_HeapCreate, "some allocation
 * pattern automatically enables LFH") sees switch the LFH on in a growable heap. */
#define LFH_TRIGGER_BLOCKS 0x12

/* Step 13: allocations of this size, and how many, unless --pairs says otherwise. */
#define TIMED_SIZE 64
#define PAIRS_DEFAULT 100000u
#define PAIRS_MAXIMUM 10000000u /* 640 MB of bump buffer at most */

/* Exit codes and exception codes: NTSTATUS values, written out because not every SDK's
 * winnt.h names STATUS_HEAP_CORRUPTION (ntstatus.h does). */
#define CODE_NO_MEMORY 0xC0000017u       /* STATUS_NO_MEMORY */
#define CODE_HEAP_CORRUPTION 0xC0000374u /* STATUS_HEAP_CORRUPTION */

/* HeapQueryInformation(HeapCompatibilityInformation)'s answers. */
#define FRONT_END_STANDARD 0u /* the back end alone: free lists and block headers */
#define FRONT_END_LFH 2u      /* the Low-Fragmentation Heap */

/* A heap's signature, 16 bytes into its first page on x64: an NT heap (the classic one)
 * or a segment heap. Read to tell which heap this process has (see heap_unavailable). */
#define SIGNATURE_OFFSET 0x10
#define SEGMENT_HEAP_SIGNATURE 0xDDEEDDEEu
#define FLG_HEAP_PAGE_ALLOCS_BIT 0x02000000u /* gflags: page heap */

/* What the command line sets. */
typedef struct lesson_state_s
{
    uint64_t pairs; /* --pairs: step 13's allocations */
} lesson_state_t;

/* Step 8's children report this (wm_child_report): one plain struct, no parsing. */
typedef struct no_memory_report_s
{
    DWORD exception_code;  /* the exception the handler saw, or 0 */
    DWORD exception_flags; /* its ExceptionFlags */
    DWORD parameter_count; /* its NumberParameters */
    DWORD returned_null;   /* 1 when HeapAlloc returned NULL instead */
    uint64_t first_param;  /* ExceptionInformation[0], when there is one */
    DWORD blocks;          /* blocks allocated before the failure */
    DWORD last_error;      /* GetLastError after the NULL, else 0 */
} no_memory_report_t;

/* Step 11's overrun child reports this, once before the fatal free and once after it. */
typedef struct overrun_report_s
{
    DWORD layout_ok;      /* 1 when the blocks lay as the child needs them */
    DWORD valid_free;     /* HeapValidate after the overrun into a free neighbour */
    DWORD valid_heap;     /* HeapValidate of the heap after the overrun into a busy one */
    DWORD valid_next;     /* HeapValidate of the overwritten block */
    uint64_t overrun;     /* bytes written past the end of the block */
    DWORD free_returned;  /* 1 once HeapFree of the damaged block returned */
    DWORD free_succeeded; /* what it returned */
    DWORD free_error;     /* GetLastError after it */
} overrun_report_t;

/* Step 11's double-free child reports this. */
typedef struct double_free_report_s
{
    DWORD setup_ok;        /* 1 when the heap and blocks were made */
    DWORD first_succeeded; /* the first HeapFree's result */
    DWORD second_returned; /* 1 once the second HeapFree returned */
    DWORD second_succeeded;
    DWORD second_error; /* GetLastError after it */
} double_free_report_t;

/* What Wine is recorded to do instead (docs/deviations.md), each judged from what the
 * lesson observes: step 6's HeapCompact, step 8's HeapCreate flag, step 11's termination
 * on corruption, step 12's Low-Fragmentation Heap. */
static const wm_deviation_t HEAP_COMPACT_STUB = {
    "wine-heap-compact-stub",
    "HeapCompact returned 0 with no error, \"no free space at all\", though the walk shows free "
    "blocks: a stub."};
static const wm_deviation_t CREATE_IGNORES_GENERATE_EXCEPTIONS = {
    "wine-heap-create-ignores-generate-exceptions",
    "HeapCreate ignores HEAP_GENERATE_EXCEPTIONS: the full heap returned NULL to a plain "
    "HeapAlloc. Pass the flag to each HeapAlloc."};
static const wm_deviation_t NO_TERMINATION_ON_CORRUPTION = {
    "wine-heap-no-termination-on-corruption",
    "HeapEnableTerminationOnCorruption is accepted but has no effect: HeapFree returns FALSE "
    "on a damaged or already freed block and the process goes on."};
static const wm_deviation_t NO_LFH = {
    "wine-no-lfh", "There is no Low-Fragmentation Heap: HeapSetInformation succeeds and "
                   "HeapQueryInformation keeps answering 0."};
static const wm_deviation_t LFH_ON_NO_SERIALIZE_ACCEPTED = {
    "wine-lfh-on-no-serialize-accepted",
    "HeapSetInformation returns TRUE when asked for the LFH on a HEAP_NO_SERIALIZE heap."};

/* ------------------------------------------------------------------------------------ */
/* Small helpers: inspection, not the lesson.                                           */
/* ------------------------------------------------------------------------------------ */

/* VirtualQuery around address; a zeroed MEM_FREE answer if the query fails. */
static MEMORY_BASIC_INFORMATION region_at(const void *address)
{
    MEMORY_BASIC_INFORMATION region;
    SIZE_T written = 0;

    memset(&region, 0, sizeof region);
    written = VirtualQuery(address, &region, sizeof region);
    if (written == 0) {
        region.State = MEM_FREE;
    }
    return region;
}

/* A front end's name, from HeapQueryInformation's number. */
static const char *front_end_name(ULONG front_end)
{
    switch (front_end) {
    case FRONT_END_STANDARD:
        return "0 (standard)";
    case 1:
        return "1 (look-aside lists)";
    case FRONT_END_LFH:
        return "2 (Low-Fragmentation Heap)";
    default:
        return "?";
    }
}

/* 1 when bytes [from, to) of block are all value. */
static int bytes_are(const void *block, size_t from, size_t to, unsigned char value)
{
    const unsigned char *bytes = (const unsigned char *)block;
    size_t i = 0;

    for (i = from; i < to; i++) {
        if (bytes[i] != value) {
            return 0;
        }
    }
    return 1;
}

/* Runs this program with --child=NAME and reads its report (size bytes) into report:
 * *reported is 1 when it found one (a child that crashed may have written none). Returns
 * the run's error; *exit_code is the child's exit code. */
static DWORD run_child(const wchar_t *name, void *report, size_t size, DWORD *exit_code,
                       int *reported)
{
    static wm_output_t output; /* 32 KB: too big for the stack of a step */
    wchar_t arguments[64];
    DWORD error = ERROR_SUCCESS;

    memset(&output, 0, sizeof output);
    memset(report, 0, size);
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--child=%ls", name);
    error = wm_process_run_self(arguments, wm_output_collect, &output, exit_code);
    *reported =
        error == ERROR_SUCCESS && wm_child_report_read(output.text, output.length, report, size);
    return error;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. The heaps this process already has.                                          */
/* ------------------------------------------------------------------------------------ */

/* The index of heap in heaps[0..count), or count when it is not there. */
static DWORD index_of(HANDLE const *heaps, DWORD count, HANDLE heap)
{
    DWORD i = 0;

    for (i = 0; i < count && heaps[i] != heap; i++) {
    }
    return i;
}

/* A block from the default heap, and what VirtualQuery says about its memory. */
static void show_a_default_heap_block(wm_lesson_t *lesson, HANDLE process_heap)
{
    MEMORY_BASIC_INFORMATION region;
    void *block = NULL;
    BOOL ok = FALSE;

    block = HeapAlloc(process_heap, 0, /* no flags: the contents are whatever was there */
                      100);
    if (!wm_require_win32(lesson, "HeapAlloc(GetProcessHeap(), 0, 100)", block != NULL)) {
        return;
    }
    region = region_at(block);
    wm_value_address(lesson, "a 100-byte block from the default heap", (uintptr_t)block);
    wm_value_text(lesson, "VirtualQuery says", wm_state_name(region.State));
    wm_claim(lesson, "heap.block-committed",
             "A heap block lies in committed, private, read-write memory.",
             region.State == MEM_COMMIT && region.Type == MEM_PRIVATE &&
                 (region.Protect & 0xFFu) == PAGE_READWRITE);
    ok = HeapFree(process_heap, 0, block);
    (void)wm_require_win32(lesson, "HeapFree", ok);
}

static void show_the_process_heaps(wm_lesson_t *lesson, void *context)
{
    HANDLE heaps[64];
    HANDLE process_heap = GetProcessHeap(); /* cannot fail: every process has one */
    HANDLE own_heap = NULL;
    HANDLE crt_heap = NULL;
    DWORD total = 0;
    DWORD stored = 0;
    DWORD i = 0;
    BOOL ok = FALSE;
    char name[64];

    (void)context;
    own_heap = HeapCreate(0,  /* serialized: any thread may use it */
                          0,  /* initial size 0: one page committed */
                          0); /* maximum 0: growable */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", own_heap != NULL)) {
        return;
    }
    total = GetProcessHeaps(64, heaps); /* the total, even if more than 64 */
    if (wm_require_win32(lesson, "GetProcessHeaps", total != 0)) {
        stored = total < 64 ? total : 64;
        /* mingw's msvcrt.dll keeps its own heap for malloc; the Universal CRT (MSVC) uses
         * the process heap. _get_heap_handle says which. */
        crt_heap = (HANDLE)_get_heap_handle();
        wm_value_count(lesson, "heaps in this process", total, NULL);
        for (i = 0; i < stored; i++) {
            snprintf(name, sizeof name, "heap %lu%s", (unsigned long)i,
                     heaps[i] == process_heap ? " (default)"
                     : heaps[i] == crt_heap   ? " (C runtime)"
                     : heaps[i] == own_heap   ? " (created by this lesson)"
                                              : "");
            wm_value_address(lesson, name, (uintptr_t)heaps[i]);
        }
        wm_value_text(lesson, "malloc uses the process heap",
                      crt_heap == process_heap ? "yes" : "no");
        wm_claim(lesson, "heap.list-default-first",
                 "GetProcessHeaps lists the default heap (GetProcessHeap) first.",
                 heaps[0] == process_heap);
        wm_claim(lesson, "heap.list-has-created", "The heap this lesson created is in the list.",
                 index_of(heaps, stored, own_heap) < stored);
        wm_claim(lesson, "heap.handle-aligned",
                 "A heap created by HeapCreate starts on a 64 KiB boundary (its handle is its "
                 "address).",
                 ((uintptr_t)own_heap & 0xFFFFu) == 0);
    }
    show_a_default_heap_block(lesson, process_heap);
    ok = HeapDestroy(own_heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. Blocks and their overhead.                                                   */
/* ------------------------------------------------------------------------------------ */

/* What the walk says about each of step 2's blocks. */
typedef struct block_census_s
{
    void *blocks[BLOCK_SIZE_COUNT];     /* the blocks, in allocation order */
    SIZE_T walk_size[BLOCK_SIZE_COUNT]; /* cbData the walk reported, 0 if not found */
    SIZE_T overhead[BLOCK_SIZE_COUNT];  /* cbOverhead the walk reported */
    int found[BLOCK_SIZE_COUNT];        /* 1 when the walk saw the block as busy */
} block_census_t;

/* wm_heap_entry_fn: records the busy entries that are step 2's blocks. */
static int census_entry(void *context, const wm_heap_entry_t *entry)
{
    block_census_t *census = (block_census_t *)context;
    size_t i = 0;

    if ((entry->flags & PROCESS_HEAP_ENTRY_BUSY) == 0) {
        return 0;
    }
    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        if ((uintptr_t)census->blocks[i] == entry->address) {
            census->found[i] = 1;
            census->walk_size[i] = entry->size;
            census->overhead[i] = entry->overhead;
        }
    }
    return 0;
}

/* What the x64 NT heap of Windows 8 and later spaces a block of size bytes by: its size
 * (at least 16) plus an 8-byte header, rounded up to 16 (Wine's test_HeapCreate checks
 * consecutive blocks lie this far apart). Shown beside the measured distance, not claimed. */
static SIZE_T x64_nt_heap_spacing(SIZE_T size)
{
    SIZE_T at_least = size < 16 ? 16 : size;

    return (at_least + 8 + 15) & ~(SIZE_T)15;
}

/* Step 2's values: each block's size, overhead and the distance to the next. */
static void show_the_census(wm_lesson_t *lesson, const block_census_t *census, const SIZE_T *sizes)
{
    uintptr_t distance = 0;
    size_t i = 0;
    char name[96];

    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        snprintf(name, sizeof name, "%zu-byte block", (size_t)block_sizes[i]);
        wm_value_address(lesson, name, (uintptr_t)census->blocks[i]);
        wm_value_count(lesson, "  HeapSize", sizes[i], "bytes");
        wm_value_count(lesson, "  overhead (walk's cbOverhead)", census->overhead[i], "bytes");
        if (i + 1 < BLOCK_SIZE_COUNT && census->blocks[i + 1] > census->blocks[i]) {
            distance = (uintptr_t)census->blocks[i + 1] - (uintptr_t)census->blocks[i];
            wm_value_count(lesson, "  occupies (distance to the next)", distance, "bytes");
            wm_value_count(lesson, "  x64 NT heap's spacing, for comparison",
                           x64_nt_heap_spacing(block_sizes[i]), "bytes");
        }
    }
}

static void show_blocks_and_overhead(wm_lesson_t *lesson, void *context)
{
    block_census_t census;
    wm_heap_summary_t summary;
    SIZE_T sizes[BLOCK_SIZE_COUNT];
    HANDLE heap = NULL;
    DWORD error = ERROR_SUCCESS;
    size_t i = 0;
    int sizes_exact = 1;
    int aligned = 1;
    int all_found = 1;
    BOOL ok = FALSE;

    (void)context;
    memset(&census, 0, sizeof census);
    heap = HeapCreate(0, 0, 0); /* growable, serialized: a fresh heap, nothing else in it */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        census.blocks[i] = HeapAlloc(heap, 0, block_sizes[i]);
        if (!wm_require_win32(lesson, "HeapAlloc", census.blocks[i] != NULL)) {
            goto cleanup;
        }
        sizes[i] = HeapSize(heap, 0, census.blocks[i]); /* (SIZE_T)-1 on failure */
        sizes_exact = sizes_exact && sizes[i] == block_sizes[i];
        aligned = aligned && (uintptr_t)census.blocks[i] % MEMORY_ALLOCATION_ALIGNMENT == 0;
    }
    error = wm_heap_walk(heap, &summary, census_entry, &census); /* HeapWalk under HeapLock */
    if (!wm_require(lesson, "HeapWalk", error)) {
        goto cleanup;
    }
    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        all_found = all_found && census.found[i] && census.walk_size[i] == block_sizes[i];
    }
    show_the_census(lesson, &census, sizes);
    wm_value_count(lesson, "busy blocks in the heap (walk)", summary.busy_blocks, NULL);
    wm_value_bytes(lesson, "busy overhead (walk)", summary.busy_overhead);
    wm_claim(lesson, "heap.size-exact",
             "HeapSize returns exactly the size asked for, for every block.", sizes_exact);
    wm_claim(lesson, "heap.aligned",
             "Every block is aligned to MEMORY_ALLOCATION_ALIGNMENT (16 bytes on x64).", aligned);
    wm_claim(lesson, "heap.walk-finds-blocks",
             "HeapWalk shows every block as busy, at its address, with cbData the size asked for.",
             all_found);
    wm_claim(lesson, "heap.overhead",
             "The heap spends bytes of its own on the 1-byte block: HeapWalk's cbOverhead for "
             "it is not zero.",
             census.overhead[0] > 0);

cleanup:
    ok = HeapDestroy(heap); /* frees the blocks with the heap: no HeapFree needed */
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. HeapSummary, where this Windows has it.                                      */
/* ------------------------------------------------------------------------------------ */

/* HeapSummary's HEAP_SUMMARY, declared here with the same layout: older SDKs do not have
 * it, and the lesson must build with them. */
typedef struct heap_totals_s
{
    DWORD cb;           /* the struct's size: set before the call */
    SIZE_T allocated;   /* cbAllocated */
    SIZE_T committed;   /* cbCommitted */
    SIZE_T reserved;    /* cbReserved */
    SIZE_T max_reserve; /* cbMaxReserve */
} heap_totals_t;

/* HeapSummary's type, for GetProcAddress: it is new in Windows build 20348 (Windows 11,
 * Server 2022), so a static import would stop this program loading on older Windows 10. */
typedef BOOL(WINAPI *heap_summary_fn)(HANDLE, DWORD, heap_totals_t *);

/* GetProcAddress's FARPROC goes through a generic function pointer type first, as C allows. */
typedef void (*any_fn)(void);

static void show_heap_summary(wm_lesson_t *lesson, void *context)
{
    heap_totals_t totals;
    HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll"); /* always loaded: no reference */
    FARPROC proc = NULL;
    heap_summary_fn heap_summary = NULL;
    BOOL ok = FALSE;

    (void)context;
    if (lesson->runtime.is_wine) {
        /* Not called under Wine, where it is exported as a stub that raises 0x80000100 and
         * would end this process. No claim is made here, so no verdict depends on it. */
        wm_note(lesson, "HeapSummary is not called under Wine, where it is a stub that raises "
                        "an exception; step 2's walk gives the same totals.");
        return;
    }
    if (kernel32 != NULL) {
        proc = GetProcAddress(kernel32, "HeapSummary");
    }
    if (proc == NULL) {
        wm_note(lesson, "HeapSummary is unavailable here: this Windows build's kernel32 does not "
                        "export it (it needs build 20348 or later).");
        return;
    }
    heap_summary = (heap_summary_fn)(any_fn)proc;
    memset(&totals, 0, sizeof totals);
    totals.cb = sizeof totals; /* HEAP_SUMMARY: cb must be set first */
    ok = heap_summary(GetProcessHeap(), 0, &totals);
    if (!wm_require_win32(lesson, "HeapSummary(GetProcessHeap())", ok)) {
        return;
    }
    wm_value_bytes(lesson, "the process heap: allocated", totals.allocated);
    wm_value_bytes(lesson, "the process heap: committed", totals.committed);
    wm_value_bytes(lesson, "the process heap: reserved", totals.reserved);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Zeroed blocks, and a grow that must not move.                                */
/* ------------------------------------------------------------------------------------ */

static void show_zeroing_and_in_place(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = NULL;
    void *zeroed = NULL;
    void *first = NULL;
    void *neighbour = NULL;
    void *in_place = NULL;
    BOOL ok = FALSE;

    (void)context;
    heap = HeapCreate(0, 0, 0); /* growable */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    zeroed = HeapAlloc(heap, HEAP_ZERO_MEMORY, /* every byte of the block is 0 */
                       GROWN_SIZE);
    if (!wm_require_win32(lesson, "HeapAlloc(HEAP_ZERO_MEMORY, 4096)", zeroed != NULL)) {
        goto cleanup;
    }
    wm_claim(lesson, "heap.zero-memory", "All 4096 bytes of a HEAP_ZERO_MEMORY block are zero.",
             bytes_are(zeroed, 0, GROWN_SIZE, 0));

    /* Two neighbours: the first cannot grow much in place while the second follows it. */
    first = HeapAlloc(heap, 0, ORIGINAL_SIZE);
    if (!wm_require_win32(lesson, "HeapAlloc(64)", first != NULL)) {
        goto cleanup;
    }
    neighbour = HeapAlloc(heap, 0, ORIGINAL_SIZE);
    if (!wm_require_win32(lesson, "HeapAlloc(64), its neighbour", neighbour != NULL)) {
        goto cleanup;
    }
    memset(first, 0xAB, ORIGINAL_SIZE);
    in_place = HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, /* fail rather than move */
                           first, GROWN_SIZE);
    wm_value_address(lesson, "block", (uintptr_t)first);
    wm_value_address(lesson, "its neighbour", (uintptr_t)neighbour);
    wm_value_text(lesson, "grow to 4096 with HEAP_REALLOC_IN_PLACE_ONLY",
                  in_place != NULL ? "grew in place" : "refused (NULL)");
    wm_claim(lesson, "heap.in-place-never-moves",
             "HEAP_REALLOC_IN_PLACE_ONLY never moves a block: it fails, or the address stays.",
             in_place == NULL || in_place == first);
    wm_claim(lesson, "heap.in-place-keeps-contents",
             "After it the block still holds its 64 bytes, as they were.",
             bytes_are(first, 0, ORIGINAL_SIZE, 0xAB));

cleanup:
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. HeapReAlloc grows a block, moving it if it must.                             */
/* ------------------------------------------------------------------------------------ */

static void show_realloc_moves(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = NULL;
    void *first = NULL;
    void *neighbour = NULL;
    void *grown = NULL;
    SIZE_T size = 0;
    BOOL ok = FALSE;

    (void)context;
    heap = HeapCreate(0, 0, 0);
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    first = HeapAlloc(heap, 0, ORIGINAL_SIZE);
    if (!wm_require_win32(lesson, "HeapAlloc(64)", first != NULL)) {
        goto cleanup;
    }
    neighbour = HeapAlloc(heap, 0, ORIGINAL_SIZE); /* in the way of an in-place grow */
    if (!wm_require_win32(lesson, "HeapAlloc(64), its neighbour", neighbour != NULL)) {
        goto cleanup;
    }
    memset(first, 0xAB, ORIGINAL_SIZE);
    grown = HeapReAlloc(heap, HEAP_ZERO_MEMORY, /* the grown tail is zeroed */
                        first, GROWN_SIZE);
    if (!wm_require_win32(lesson, "HeapReAlloc(HEAP_ZERO_MEMORY, 4096)", grown != NULL)) {
        goto cleanup;
    }
    size = HeapSize(heap, 0, grown);
    wm_value_address(lesson, "before HeapReAlloc", (uintptr_t)first);
    wm_value_address(lesson, "after HeapReAlloc", (uintptr_t)grown);
    wm_value_text(lesson, "the block", grown == first ? "grew in place" : "moved");
    wm_claim(lesson, "heap.realloc-size", "HeapSize of the grown block is 4096.",
             size == GROWN_SIZE);
    wm_claim(lesson, "heap.realloc-keeps",
             "HeapReAlloc keeps the first 64 bytes, wherever the block ends up.",
             bytes_are(grown, 0, ORIGINAL_SIZE, 0xAB));
    wm_claim(lesson, "heap.realloc-zero-tail", "With HEAP_ZERO_MEMORY the 4032 new bytes are zero.",
             bytes_are(grown, ORIGINAL_SIZE, GROWN_SIZE, 0));

cleanup:
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Fragmentation.                                                               */
/* ------------------------------------------------------------------------------------ */

/* The second half of step 6: a request no hole can serve, then HeapCompact. */
static void show_what_holes_cost(wm_lesson_t *lesson, HANDLE heap, const wm_heap_summary_t *holed)
{
    SYSTEM_INFO system;
    wm_heap_summary_t grown;
    void *big = NULL;
    SIZE_T big_size = 0;
    SIZE_T largest = 0;
    DWORD error = ERROR_SUCCESS;

    GetSystemInfo(&system);                             /* cannot fail */
    big_size = holed->largest_free + system.dwPageSize; /* one page more than any hole */
    big = HeapAlloc(heap, 0, big_size);
    if (!wm_require_win32(lesson, "HeapAlloc of one page more than the largest free block",
                          big != NULL)) {
        return;
    }
    error = wm_heap_walk(heap, &grown, NULL, NULL);
    if (!wm_require(lesson, "HeapWalk", error)) {
        return;
    }
    wm_value_bytes(lesson, "requested", big_size);
    wm_value_bytes(lesson, "committed afterwards", grown.committed_bytes);
    wm_value_count(lesson, "free blocks afterwards", grown.free_blocks, NULL);

    /* HeapCompact: the largest committed free block; 0 with no error means no free space,
     * so the last error is cleared first to tell that from a failure. */
    SetLastError(ERROR_SUCCESS);
    largest = HeapCompact(heap, 0);
    error = largest == 0 ? GetLastError() : ERROR_SUCCESS;
    if (!wm_require(lesson, "HeapCompact", error)) {
        return;
    }
    wm_value_bytes(lesson, "HeapCompact's largest free block", largest);
    wm_claim_or_deviation(lesson, "heap.compact-reports",
                          "HeapCompact reports free space (a non-zero size) in a heap that has "
                          "free blocks.",
                          largest > 0, largest == 0 && grown.free_blocks > 0, &HEAP_COMPACT_STUB);
}

static void show_fragmentation(wm_lesson_t *lesson, void *context)
{
    wm_heap_summary_t holed;
    HANDLE heap = NULL;
    void *blocks[FRAGMENT_BLOCKS];
    DWORD error = ERROR_SUCCESS;
    size_t i = 0;
    BOOL ok = FALSE;

    (void)context;
    memset(blocks, 0, sizeof blocks);
    heap = HeapCreate(0, 0,                /* initial: one page */
                      FIXED_HEAP_MAXIMUM); /* fixed-size: never uses the LFH */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 4 MiB)", heap != NULL)) {
        return;
    }
    for (i = 0; i < FRAGMENT_BLOCKS; i++) {
        blocks[i] = HeapAlloc(heap, 0, FRAGMENT_SIZE);
        if (!wm_require_win32(lesson, "HeapAlloc(1000)", blocks[i] != NULL)) {
            goto cleanup;
        }
    }
    for (i = 0; i < FRAGMENT_BLOCKS; i += 2) {
        ok = HeapFree(heap, 0, blocks[i]); /* every other block: each hole between two busy */
        if (!wm_require_win32(lesson, "HeapFree", ok)) {
            goto cleanup;
        }
    }
    error = wm_heap_walk(heap, &holed, NULL, NULL);
    if (!wm_require(lesson, "HeapWalk", error)) {
        goto cleanup;
    }
    wm_value_count(lesson, "free blocks after freeing 100", holed.free_blocks, NULL);
    wm_value_bytes(lesson, "free bytes in total (the walk's cbData)", holed.free_bytes);
    wm_value_bytes(lesson, "largest free block", holed.largest_free);
    wm_value_bytes(lesson, "committed", holed.committed_bytes);
    wm_claim(lesson, "heap.holes",
             "Freeing every other block leaves at least 100 separate free blocks: no two holes "
             "touch, so none can merge.",
             holed.free_blocks >= FRAGMENT_BLOCKS / 2);
    show_what_holes_cost(lesson, heap, &holed);

cleanup:
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. A fixed-size heap runs out.                                                  */
/* ------------------------------------------------------------------------------------ */

static void show_fixed_size_cap(wm_lesson_t *lesson)
{
    HANDLE heap = NULL;
    void *under = NULL;
    void *over = NULL;
    BOOL ok = FALSE;

    heap = HeapCreate(0, 0, FIXED_HEAP_MAXIMUM); /* 4 MiB, fixed */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 4 MiB)", heap != NULL)) {
        return;
    }
    under = HeapAlloc(heap, 0, UNDER_THE_LIMIT);
    over = HeapAlloc(heap, 0, OVER_THE_LIMIT);
    wm_claim(lesson, "heap.fixed-cap-under", "A 900 KiB block fits in a 4 MiB fixed-size heap.",
             under != NULL);
    wm_claim(lesson, "heap.fixed-cap-over",
             "A 1100 KiB block does not, though the heap has room: the per-block cap.",
             over == NULL);
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

static void show_fixed_size_heap(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = NULL;
    void *block = NULL;
    DWORD fill_error = ERROR_SUCCESS;
    unsigned blocks = 0;
    BOOL ok = FALSE;

    (void)context;
    heap = HeapCreate(0, 0, SMALL_HEAP_MAXIMUM); /* 64 KiB, fixed: it never grows */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 64 KiB)", heap != NULL)) {
        return;
    }
    /* The lesson's loop: allocate until the heap says no. */
    while (blocks < FILL_ATTEMPTS) {
        SetLastError(ERROR_SUCCESS); /* to see whether the failure sets an error */
        block = HeapAlloc(heap, 0, FILL_BLOCK_SIZE);
        if (block == NULL) {
            fill_error = GetLastError();
            break;
        }
        blocks++;
    }
    wm_value_count(lesson, "1000-byte blocks before NULL", blocks, NULL);
    wm_value_count(lesson, "of 64 KiB, used by data",
                   (uint64_t)blocks * FILL_BLOCK_SIZE * 100u / SMALL_HEAP_MAXIMUM, "%");
    wm_value_count(lesson, "GetLastError after the NULL (do not rely on it)", fill_error, NULL);
    wm_claim(lesson, "heap.fixed-full-null",
             "The full fixed-size heap makes HeapAlloc return NULL.", block == NULL && blocks > 0);
    wm_claim(lesson, "heap.fixed-never-grows",
             "It held fewer blocks than 64 KiB / 1000: it never grew past its maximum, and "
             "headers used the rest.",
             (uint64_t)blocks * FILL_BLOCK_SIZE < SMALL_HEAP_MAXIMUM);
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
    show_fixed_size_cap(lesson);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. HEAP_GENERATE_EXCEPTIONS, in child processes.                                */
/* ------------------------------------------------------------------------------------ */

static void show_generate_exceptions(wm_lesson_t *lesson, void *context)
{
    no_memory_report_t report;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int reported = 0;

    (void)context;
    error = run_child(L"no-memory-per-call", &report, sizeof report, &exit_code, &reported);
    if (error == ERROR_SUCCESS && !reported) {
        error = ERROR_INVALID_DATA; /* the child always reports: no report is a failure */
    }
    if (wm_require(lesson, "Running the child (the flag on each HeapAlloc)", error)) {
        wm_value_hex(lesson, "child exit code", exit_code, "STATUS_NO_MEMORY is 0xC0000017");
        wm_value_hex(lesson, "the exception's code", report.exception_code, NULL);
        wm_value_hex(lesson, "its flags", report.exception_flags, "1 is EXCEPTION_NONCONTINUABLE");
        wm_value_count(lesson, "its parameters", report.parameter_count, NULL);
        if (report.parameter_count > 0) {
            wm_value_count(lesson, "the first parameter", report.first_param, NULL);
        }
        wm_claim(lesson, "heap.generate-exceptions",
                 "With HEAP_GENERATE_EXCEPTIONS, HeapAlloc raised STATUS_NO_MEMORY instead of "
                 "returning NULL.",
                 report.exception_code == CODE_NO_MEMORY && exit_code == CODE_NO_MEMORY);
    }
    error = run_child(L"no-memory-create", &report, sizeof report, &exit_code, &reported);
    if (error == ERROR_SUCCESS && !reported) {
        error = ERROR_INVALID_DATA;
    }
    if (wm_require(lesson, "Running the child (the flag given to HeapCreate)", error)) {
        wm_value_hex(lesson, "child exit code", exit_code, NULL);
        /* The deviation is what the child reports: HeapAlloc returned NULL. */
        wm_claim_or_deviation(lesson, "heap.create-generate-exceptions",
                              "HEAP_GENERATE_EXCEPTIONS given to HeapCreate applies to every "
                              "HeapAlloc: the plain HeapAlloc raised STATUS_NO_MEMORY too.",
                              report.exception_code == CODE_NO_MEMORY &&
                                  exit_code == CODE_NO_MEMORY,
                              report.returned_null == 1 && report.exception_code == 0,
                              &CREATE_IGNORES_GENERATE_EXCEPTIONS);
    }
}

/* The no-memory children's handler: on STATUS_NO_MEMORY, report what the exception record
 * says and end the process with that code. It never continues the exception and never jumps
 * out of HeapAlloc (neither is supported): nothing runs after the failed call. */
static LONG CALLBACK report_no_memory(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    no_memory_report_t report;

    if (record->ExceptionCode != CODE_NO_MEMORY) {
        return EXCEPTION_CONTINUE_SEARCH; /* not ours: let the system handle it */
    }
    memset(&report, 0, sizeof report);
    report.exception_code = record->ExceptionCode;
    report.exception_flags = record->ExceptionFlags;
    report.parameter_count = record->NumberParameters;
    if (record->NumberParameters > 0) {
        report.first_param = record->ExceptionInformation[0];
    }
    (void)wm_child_report(&report, sizeof report);
    (void)TerminateProcess(GetCurrentProcess(), CODE_NO_MEMORY); /* the code the parent reads */
    return EXCEPTION_CONTINUE_SEARCH;                            /* not reached */
}

/* Fills a 64 KiB fixed-size heap, with HEAP_GENERATE_EXCEPTIONS on each HeapAlloc (per_call)
 * or given once to HeapCreate. Ends with STATUS_NO_MEMORY when the exception comes; reports
 * returned_null and exits 0 when HeapAlloc returns NULL instead. */
static int fill_a_heap(int per_call)
{
    no_memory_report_t report;
    HANDLE heap = NULL;
    void *handler = NULL;
    void *block = NULL;
    DWORD create_options = per_call ? 0 : HEAP_GENERATE_EXCEPTIONS;
    DWORD alloc_flags = per_call ? HEAP_GENERATE_EXCEPTIONS : 0;

    memset(&report, 0, sizeof report);
    handler = AddVectoredExceptionHandler(1, /* first in the chain */
                                          report_no_memory);
    heap = HeapCreate(create_options, 0, SMALL_HEAP_MAXIMUM);
    if (handler == NULL || heap == NULL) {
        return WM_EXIT_FAILED;
    }
    /* Until HeapAlloc fails: it returns NULL, or the handler ends the process. */
    while (report.blocks < FILL_ATTEMPTS) {
        block = HeapAlloc(heap, alloc_flags, FILL_BLOCK_SIZE);
        if (block == NULL) {
            report.returned_null = 1;
            break;
        }
        report.blocks++;
    }
    report.last_error = GetLastError();
    (void)HeapDestroy(heap);
    (void)RemoveVectoredExceptionHandler(handler);
    return wm_child_report(&report, sizeof report) == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static int run_no_memory_per_call(void *state)
{
    (void)state;
    return fill_a_heap(1);
}

static int run_no_memory_create(void *state)
{
    (void)state;
    return fill_a_heap(0);
}

/* ------------------------------------------------------------------------------------ */
/* Step 9. Large blocks come straight from VirtualAlloc.                                */
/* ------------------------------------------------------------------------------------ */

static void show_large_blocks(wm_lesson_t *lesson, void *context)
{
    MEMORY_BASIC_INFORMATION small_region;
    MEMORY_BASIC_INFORMATION large_region;
    MEMORY_BASIC_INFORMATION after_free;
    HANDLE heap = NULL;
    void *small = NULL;
    void *large = NULL;
    uintptr_t large_end = 0;
    BOOL ok = FALSE;

    (void)context;
    heap = HeapCreate(0, 0, 0); /* growable: large blocks allowed */
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    small = HeapAlloc(heap, 0, 100);
    if (!wm_require_win32(lesson, "HeapAlloc(100)", small != NULL)) {
        goto cleanup;
    }
    large = HeapAlloc(heap, 0, LARGE_BLOCK);
    if (!wm_require_win32(lesson, "HeapAlloc(4 MiB)", large != NULL)) {
        goto cleanup;
    }
    small_region = region_at(small);
    large_region = region_at(large);
    large_end = (uintptr_t)large + LARGE_BLOCK;
    wm_value_address(lesson, "heap handle", (uintptr_t)heap);
    wm_value_address(lesson, "small block", (uintptr_t)small);
    wm_value_address(lesson, "  its allocation base", (uintptr_t)small_region.AllocationBase);
    wm_value_address(lesson, "4 MiB block", (uintptr_t)large);
    wm_value_address(lesson, "  its allocation base", (uintptr_t)large_region.AllocationBase);
    wm_value_bytes(lesson, "  reserved before it (padding and header)",
                   (uintptr_t)large - (uintptr_t)large_region.AllocationBase);
    wm_value_count(lesson, "  from its committed pages' start",
                   (uintptr_t)large - (uintptr_t)large_region.BaseAddress, "bytes");
    wm_claim(lesson, "heap.small-in-heap",
             "The small block lies in the heap's own region, whose base is the heap handle.",
             small_region.AllocationBase == (void *)heap);
    wm_claim(lesson, "heap.large-own-region",
             "The 4 MiB block lies in an allocation of its own, outside the heap's region, in "
             "committed pages that cover it to its end.",
             large_region.AllocationBase != (void *)heap && large_region.State == MEM_COMMIT &&
                 (uintptr_t)large_region.BaseAddress + large_region.RegionSize >= large_end);

    ok = HeapFree(heap, 0, large);
    if (wm_require_win32(lesson, "HeapFree(the 4 MiB block)", ok)) {
        after_free = region_at(large);
        wm_value_text(lesson, "its address after HeapFree", wm_state_name(after_free.State));
    }

cleanup:
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. HeapDestroy releases everything at once.                                    */
/* ------------------------------------------------------------------------------------ */

/* The three subsystem heaps of step 10 and what they hold. */
typedef struct subsystems_s
{
    HANDLE heaps[SUBSYSTEMS];
    void *first_blocks[SUBSYSTEMS]; /* each heap's first block */
    void *large;                    /* a 4 MiB block in the last heap */
    unsigned blocks;                /* blocks allocated in all */
} subsystems_t;

/* Creates the heaps and fills them: 100 blocks of growing sizes each, and one large block.
 * Returns 1, or 0 after a failed requirement (the heaps made so far are in the struct). */
static int fill_the_subsystems(wm_lesson_t *lesson, subsystems_t *subsystems)
{
    void *block = NULL;
    size_t s = 0;
    size_t i = 0;

    for (s = 0; s < SUBSYSTEMS; s++) {
        subsystems->heaps[s] = HeapCreate(0, 0, 0); /* one growable heap per subsystem */
        if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", subsystems->heaps[s] != NULL)) {
            return 0;
        }
        for (i = 0; i < SUBSYSTEM_BLOCKS; i++) {
            block =
                HeapAlloc(subsystems->heaps[s], 0, SUBSYSTEM_FIRST_SIZE + SUBSYSTEM_SIZE_STEP * i);
            if (!wm_require_win32(lesson, "HeapAlloc", block != NULL)) {
                return 0;
            }
            subsystems->first_blocks[s] = i == 0 ? block : subsystems->first_blocks[s];
            subsystems->blocks++;
        }
    }
    subsystems->large = HeapAlloc(subsystems->heaps[SUBSYSTEMS - 1], 0, LARGE_BLOCK);
    if (!wm_require_win32(lesson, "HeapAlloc(4 MiB)", subsystems->large != NULL)) {
        return 0;
    }
    subsystems->blocks++;
    return 1;
}

static void show_destroy_releases_everything(wm_lesson_t *lesson, void *context)
{
    subsystems_t subsystems;
    MEMORY_BASIC_INFORMATION region;
    MEMORY_BASIC_INFORMATION large_region;
    HANDLE listed[64];
    DWORD total = 0;
    unsigned freed = 0;
    unsigned still_listed = 0;
    int filled = 0;
    size_t s = 0;
    BOOL ok = FALSE;

    (void)context;
    memset(&subsystems, 0, sizeof subsystems);
    filled = fill_the_subsystems(lesson, &subsystems);
    wm_value_count(lesson, "blocks allocated", subsystems.blocks, NULL);
    /* One call per heap, whatever happened above: the cleanup the pattern promises. */
    for (s = 0; s < SUBSYSTEMS; s++) {
        if (subsystems.heaps[s] != NULL) {
            ok = HeapDestroy(subsystems.heaps[s]); /* every block, every page */
            (void)wm_require_win32(lesson, "HeapDestroy", ok);
        }
    }
    if (!filled) {
        return;
    }
    for (s = 0; s < SUBSYSTEMS; s++) {
        region = region_at(subsystems.heaps[s]);
        freed += region.State == MEM_FREE ? 1u : 0u;
        region = region_at(subsystems.first_blocks[s]);
        freed += region.State == MEM_FREE ? 1u : 0u;
    }
    large_region = region_at(subsystems.large);
    total = GetProcessHeaps(64, listed);
    for (s = 0; s < SUBSYSTEMS && total <= 64; s++) {
        still_listed += index_of(listed, total, subsystems.heaps[s]) < total ? 1u : 0u;
    }
    wm_value_count(lesson, "heap regions and first blocks now MEM_FREE", freed, NULL);
    wm_claim(lesson, "heap.destroy-releases",
             "Each heap's region and its blocks' addresses are MEM_FREE afterwards.",
             freed == 2 * SUBSYSTEMS);
    wm_claim(lesson, "heap.destroy-large", "The 4 MiB block's own region went with its heap.",
             large_region.State == MEM_FREE);
    wm_claim(lesson, "heap.destroy-unlists", "GetProcessHeaps no longer lists the three heaps.",
             total != 0 && total <= 64 && still_listed == 0);
}

/* ------------------------------------------------------------------------------------ */
/* Step 11. Corruption, safely, in child processes.                                     */
/* ------------------------------------------------------------------------------------ */

static void show_overrun(wm_lesson_t *lesson)
{
    overrun_report_t report;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int reported = 0;
    int ended = 0;

    error = run_child(L"overrun", &report, sizeof report, &exit_code, &reported);
    if (!wm_require(lesson, "Running the overrun child", error)) {
        return;
    }
    ended = exit_code == CODE_HEAP_CORRUPTION;
    wm_value_hex(lesson, "overrun child's exit code", exit_code,
                 "0xC0000374 is STATUS_HEAP_CORRUPTION");
    if (!reported && !ended) {
        (void)wm_require(lesson, "Reading the overrun child's report", ERROR_INVALID_DATA);
        return;
    }
    wm_value_count(lesson, "bytes written past the block", report.overrun, NULL);
    wm_value_count(lesson, "HeapValidate after the overrun into a free block", report.valid_free,
                   NULL);
    wm_value_count(lesson, "HeapValidate of the heap after the overrun into a busy block",
                   report.valid_heap, NULL);
    wm_claim(lesson, "heap.validate-free-neighbour",
             "HeapValidate reports the heap invalid after an overrun into a free neighbour's "
             "header (or the heap manager ended the child first).",
             (reported && report.layout_ok && !report.valid_free) || ended);
    wm_claim(lesson, "heap.validate-busy-neighbour",
             "HeapValidate reports the heap and the overwritten block invalid after an overrun "
             "into a busy neighbour's header (or the heap manager ended the child first).",
             (reported && report.layout_ok && !report.valid_heap && !report.valid_next) || ended);
    wm_claim_or_deviation(lesson, "heap.corruption-terminates",
                          "With termination on corruption, freeing the damaged block ended the "
                          "child with STATUS_HEAP_CORRUPTION.",
                          ended, exit_code == 0 && report.free_returned && !report.free_succeeded,
                          &NO_TERMINATION_ON_CORRUPTION);
}

static void show_corruption_safely(wm_lesson_t *lesson, void *context)
{
    double_free_report_t report;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL valid = FALSE;
    int reported = 0;

    (void)context;
    show_overrun(lesson);
    error = run_child(L"double-free", &report, sizeof report, &exit_code, &reported);
    if (wm_require(lesson, "Running the double-free child", error)) {
        wm_value_hex(lesson, "double-free child's exit code", exit_code, NULL);
        if (reported && report.second_returned) {
            wm_value_count(lesson, "the second HeapFree returned", report.second_succeeded, NULL);
            wm_value_count(lesson, "  and GetLastError", report.second_error, NULL);
        }
        wm_claim_or_deviation(lesson, "heap.double-free-terminates",
                              "With termination on corruption, the double free ended the child "
                              "with STATUS_HEAP_CORRUPTION.",
                              exit_code == CODE_HEAP_CORRUPTION,
                              exit_code == 0 && reported && report.first_succeeded &&
                                  report.second_returned && !report.second_succeeded,
                              &NO_TERMINATION_ON_CORRUPTION);
    }
    valid = HeapValidate(GetProcessHeap(), 0, /* serialized */
                         NULL);               /* NULL: the whole heap */
    wm_claim(lesson, "heap.own-heap-intact", "This process's default heap validates.", valid);
}

/* Makes three 32-byte blocks in a new heap; when free_middle, frees the middle one. Returns
 * the first two (first, next) and 1 when next follows first closely enough to overrun. */
static int three_blocks(int free_middle, HANDLE *heap, unsigned char **first, void **next)
{
    void *guard = NULL;

    *heap = HeapCreate(0, 0, 0);
    *first = *heap != NULL ? (unsigned char *)HeapAlloc(*heap, 0, OVERRUN_BLOCK) : NULL;
    *next = *first != NULL ? HeapAlloc(*heap, 0, OVERRUN_BLOCK) : NULL;
    guard = *next != NULL ? HeapAlloc(*heap, 0, OVERRUN_BLOCK) : NULL; /* next's neighbour */
    if (guard == NULL || (unsigned char *)*next <= *first ||
        (uintptr_t)*next - (uintptr_t)*first > OVERRUN_LAYOUT_MAX) {
        return 0;
    }
    if (free_middle && !HeapFree(*heap, 0, *next)) {
        return 0;
    }
    return 1;
}

/* Child of step 11: overruns a block into a free neighbour's header, then (in a second heap)
 * into a busy neighbour's header, validates, and with termination on corruption frees the
 * damaged block. It reports before the free and after it. A corrupted heap is never
 * destroyed: HeapDestroy would walk the broken structures. */
static int run_overrun_child(void *state)
{
    overrun_report_t report;
    HANDLE heap = NULL;
    unsigned char *first = NULL;
    void *next = NULL;
    BOOL ok = FALSE;

    (void)state;
    memset(&report, 0, sizeof report);
    report.layout_ok = (DWORD)three_blocks(1, &heap, &first, &next);
    if (report.layout_ok) {
        /* The bug: write from the end of first up to the start of next's data. */
        memset(first + OVERRUN_BLOCK, 0xCC,
               (size_t)((unsigned char *)next - first) - OVERRUN_BLOCK);
        report.valid_free = (DWORD)HeapValidate(heap, 0, NULL);
        report.layout_ok = (DWORD)three_blocks(0, &heap, &first, &next);
    }
    if (!report.layout_ok) {
        (void)wm_child_report(&report, sizeof report);
        return WM_EXIT_FAILED;
    }
    report.overrun = (uint64_t)((unsigned char *)next - first) - OVERRUN_BLOCK;
    memset(first + OVERRUN_BLOCK, 0xCC, (size_t)report.overrun); /* the bug, again */
    report.valid_heap = (DWORD)HeapValidate(heap, 0, NULL);
    report.valid_next = (DWORD)HeapValidate(heap, 0, next);
    (void)wm_child_report(&report, sizeof report);
    ok = HeapSetInformation(NULL, /* the whole process */
                            HeapEnableTerminationOnCorruption, NULL, 0);
    if (!ok) {
        return WM_EXIT_FAILED;
    }
    ok = HeapFree(heap, 0, next); /* here the heap manager meets the damage */
    report.free_error = GetLastError();
    report.free_returned = 1;
    report.free_succeeded = (DWORD)ok;
    return wm_child_report(&report, sizeof report) == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* Child of step 11: frees one block twice, with termination on corruption enabled. */
static int run_double_free_child(void *state)
{
    double_free_report_t report;
    HANDLE heap = NULL;
    void *block = NULL;
    void *neighbour = NULL;
    BOOL ok = FALSE;

    (void)state;
    memset(&report, 0, sizeof report);
    ok = HeapSetInformation(NULL, HeapEnableTerminationOnCorruption, NULL, 0);
    heap = ok ? HeapCreate(0, 0, 0) : NULL;
    block = heap != NULL ? HeapAlloc(heap, 0, 64) : NULL;
    neighbour = block != NULL ? HeapAlloc(heap, 0, 64) : NULL; /* block stays between two */
    report.setup_ok = neighbour != NULL ? 1u : 0u;
    if (!report.setup_ok) {
        (void)wm_child_report(&report, sizeof report);
        return WM_EXIT_FAILED;
    }
    report.first_succeeded = (DWORD)HeapFree(heap, 0, block);
    (void)wm_child_report(&report, sizeof report);
    ok = HeapFree(heap, 0, block); /* the bug */
    report.second_error = GetLastError();
    report.second_returned = 1;
    report.second_succeeded = (DWORD)ok;
    return wm_child_report(&report, sizeof report) == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* ------------------------------------------------------------------------------------ */
/* Step 12. The front end.                                                              */
/* ------------------------------------------------------------------------------------ */

/* HeapQueryInformation(HeapCompatibilityInformation): the heap's front end, or ULONG_MAX
 * when the query fails. */
static ULONG front_end_of(HANDLE heap)
{
    ULONG front_end = 0;
    SIZE_T written = 0;
    BOOL ok = FALSE;

    ok = HeapQueryInformation(heap, HeapCompatibilityInformation, &front_end, sizeof front_end,
                              &written);
    return ok ? front_end : ULONG_MAX;
}

/* Asks for the LFH on heap: HeapSetInformation(HeapCompatibilityInformation, 2). */
static BOOL ask_for_the_lfh(HANDLE heap)
{
    ULONG lfh = FRONT_END_LFH;

    return HeapSetInformation(heap, HeapCompatibilityInformation, &lfh, sizeof lfh);
}

/* The LFH switching itself on: same-size allocations in a fresh growable heap. */
static void show_lfh_switching_on(wm_lesson_t *lesson)
{
    void *blocks[LFH_TRIGGER_BLOCKS];
    HANDLE heap = NULL;
    ULONG before = 0;
    ULONG after = 0;
    size_t i = 0;
    BOOL ok = FALSE;

    heap = HeapCreate(0, 0, 0);
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    before = front_end_of(heap);
    for (i = 0; i < LFH_TRIGGER_BLOCKS; i++) {
        blocks[i] = HeapAlloc(heap, 0, 0); /* the same size again and again */
    }
    for (i = 0; i < LFH_TRIGGER_BLOCKS; i++) {
        if (blocks[i] != NULL) {
            (void)HeapFree(heap, 0, blocks[i]);
        }
    }
    after = front_end_of(heap);
    wm_value_text(lesson, "a new heap's front end", front_end_name(before));
    wm_value_text(lesson, "after 18 same-size allocations", front_end_name(after));
    wm_claim_or_deviation(lesson, "heap.lfh-automatic",
                          "Windows switched the LFH on by itself after 18 same-size "
                          "allocations: HeapQueryInformation reports 2.",
                          after == FRONT_END_LFH, after == FRONT_END_STANDARD, &NO_LFH);
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

static void show_front_end(wm_lesson_t *lesson, void *context)
{
    HANDLE heap = NULL;
    HANDLE unserialized = NULL;
    ULONG after = 0;
    BOOL set = FALSE;
    BOOL refused = FALSE;
    BOOL ok = FALSE;

    (void)context;
    wm_value_text(lesson, "the process heap's front end",
                  front_end_name(front_end_of(GetProcessHeap())));
    heap = HeapCreate(0, 0, 0);
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    set = ask_for_the_lfh(heap);
    after = front_end_of(heap);
    wm_value_text(lesson, "after asking for the LFH", front_end_name(after));
    wm_claim_or_deviation(lesson, "heap.lfh-after-set",
                          "After HeapSetInformation, HeapQueryInformation reports the LFH (2).",
                          set && after == FRONT_END_LFH, set && after == FRONT_END_STANDARD,
                          &NO_LFH);
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);

    unserialized = HeapCreate(HEAP_NO_SERIALIZE, /* no lock: one thread only */
                              0, 0);
    if (!wm_require_win32(lesson, "HeapCreate(HEAP_NO_SERIALIZE, 0, 0)", unserialized != NULL)) {
        return;
    }
    refused = !ask_for_the_lfh(unserialized);
    wm_claim_or_deviation(lesson, "heap.lfh-no-serialize",
                          "The LFH cannot be enabled on a HEAP_NO_SERIALIZE heap: "
                          "HeapSetInformation fails.",
                          refused, !refused, &LFH_ON_NO_SERIALIZE_ACCEPTED);
    ok = HeapDestroy(unserialized);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
    show_lfh_switching_on(lesson);
}

/* ------------------------------------------------------------------------------------ */
/* Step 13. Why heap operations can be slower.                                          */
/* ------------------------------------------------------------------------------------ */

/* Seconds since start, by QueryPerformanceCounter (which cannot fail on Windows XP and
 * later). */
static double seconds_since(LARGE_INTEGER start, LARGE_INTEGER frequency)
{
    LARGE_INTEGER now;

    (void)QueryPerformanceCounter(&now);
    return (double)(now.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

/* The timed loops: pairs HeapAlloc + HeapFree, then pairs bump allocations in buffer.
 * Returns the heap calls that failed. */
static uint64_t time_the_loops(HANDLE heap, unsigned char *buffer, uint64_t pairs,
                               double *heap_seconds, double *bump_seconds)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER start;
    unsigned char *block = NULL;
    unsigned char *bump = buffer;
    uint64_t failures = 0;
    uint64_t i = 0;
    BOOL freed = FALSE;

    (void)QueryPerformanceFrequency(&frequency);
    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < pairs; i++) {
        block = (unsigned char *)HeapAlloc(heap, 0, TIMED_SIZE); /* find, split, header, lock */
        if (block == NULL) {
            failures++;
            continue;
        }
        block[0] = (unsigned char)i;
        freed = HeapFree(heap, 0, block); /* header, merge, list, lock */
        failures += freed ? 0u : 1u;
    }
    *heap_seconds = seconds_since(start, frequency);
    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < pairs; i++) {
        block = bump;
        bump += TIMED_SIZE; /* the whole allocator: one addition */
        block[0] = (unsigned char)i;
    }
    *bump_seconds = seconds_since(start, frequency);
    return failures;
}

static void show_heap_versus_bump(wm_lesson_t *lesson, void *context)
{
    const lesson_state_t *state = (const lesson_state_t *)context;
    SIZE_T buffer_size = (SIZE_T)(state->pairs * TIMED_SIZE);
    HANDLE heap = NULL;
    unsigned char *buffer = NULL;
    double heap_seconds = 0.0;
    double bump_seconds = 0.0;
    uint64_t failures = 0;
    BOOL ok = FALSE;
    char text[64];

    heap = HeapCreate(0, 0, 0);
    if (!wm_require_win32(lesson, "HeapCreate(0, 0, 0)", heap != NULL)) {
        return;
    }
    buffer = (unsigned char *)VirtualAlloc(NULL, buffer_size, MEM_RESERVE | MEM_COMMIT,
                                           PAGE_READWRITE); /* the bump allocator's buffer */
    if (wm_require_win32(lesson, "VirtualAlloc(the bump buffer)", buffer != NULL)) {
        memset(buffer, 0, buffer_size); /* touch it first: no first-touch faults in the timing */
        failures = time_the_loops(heap, buffer, state->pairs, &heap_seconds, &bump_seconds);
        wm_value_count(lesson, "allocations timed", state->pairs, NULL);
        snprintf(text, sizeof text, "%.1f ns", heap_seconds * 1e9 / (double)state->pairs);
        wm_value_text(lesson, "HeapAlloc + HeapFree, per pair", text);
        snprintf(text, sizeof text, "%.2f ns", bump_seconds * 1e9 / (double)state->pairs);
        wm_value_text(lesson, "bump allocation, per block", text);
        if (bump_seconds > 0.0) {
            snprintf(text, sizeof text, "%.0fx (quick measurement)", heap_seconds / bump_seconds);
        } else {
            snprintf(text, sizeof text, "too fast to time: raise --pairs");
        }
        wm_value_text(lesson, "heap pair / bump ratio", text);
        wm_claim(lesson, "heap.pairs-succeed",
                 "Every HeapAlloc succeeded and every HeapFree returned TRUE.", failures == 0);
        ok = VirtualFree(buffer, 0, MEM_RELEASE); /* size 0: the whole reservation */
        (void)wm_require_win32(lesson, "VirtualFree(MEM_RELEASE)", ok);
    }
    ok = HeapDestroy(heap);
    (void)wm_require_win32(lesson, "HeapDestroy", ok);
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

static void set_defaults(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    state->pairs = PAIRS_DEFAULT;
}

static const char *check_options(void *context)
{
    const lesson_state_t *state = (const lesson_state_t *)context;

    if (state->pairs == 0 || state->pairs > PAIRS_MAXIMUM) {
        return "--pairs: must be between 1 and 10000000";
    }
    return NULL;
}

/* RtlGetNtGlobalFlags's type: ntdll exports it on every Windows (and Wine). */
typedef ULONG(WINAPI *global_flags_fn)(void);

/* The lesson teaches the classic NT heap. Where this process's heaps are something else the
 * layouts, overheads and walks it shows do not apply: a segment heap (opted into by manifest
 * or Image File Execution Options), or the page heap (gflags, Application Verifier). */
static const char *heap_unavailable(void *context)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll"); /* always loaded */
    FARPROC proc = NULL;
    global_flags_fn global_flags = NULL;
    const unsigned char *process_heap = (const unsigned char *)GetProcessHeap();
    DWORD signature = 0;

    (void)context;
    memcpy(&signature, process_heap + SIGNATURE_OFFSET, sizeof signature);
    if (signature == SEGMENT_HEAP_SIGNATURE) {
        return "the process heap is a segment heap (manifest or Image File Execution Options): "
               "this lesson shows the NT heap";
    }
    if (ntdll != NULL) {
        proc = GetProcAddress(ntdll, "RtlGetNtGlobalFlags");
    }
    if (proc != NULL) {
        global_flags = (global_flags_fn)(any_fn)proc;
        if ((global_flags() & FLG_HEAP_PAGE_ALLOCS_BIT) != 0) {
            return "the page heap is on (gflags or Application Verifier): blocks are laid out "
                   "one per page and the LFH is refused";
        }
    }
    return NULL;
}

static const wm_lesson_step_t steps[] = {
    {"The heaps this process already has",
     "Every process starts with a default heap, GetProcessHeap(), which Windows itself and many "
     "DLLs allocate from. GetProcessHeaps lists every heap in the process: the default one, the "
     "C runtime's, any a DLL created, and the program's own private heaps (HeapCreate; this "
     "lesson creates one to see it listed). A heap lives in ordinary committed private memory "
     "that the heap manager got from VirtualAlloc.",
     show_the_process_heaps},
    {"Blocks and what they cost",
     "A private heap gets five blocks: 1, 16, 100, 1000 and 10000 bytes. HeapSize answers with "
     "the size that was asked for, but each block costs more: a header in front (the heap's "
     "bookkeeping) and rounding up to the alignment (16 bytes on x64). HeapWalk shows each "
     "block with its overhead (cbOverhead), and in a fresh heap the distance from one block to "
     "the next is what it really occupies. Those numbers belong to the heap that runs, so they "
     "are shown, not claimed; the x64 NT heap's spacing is shown beside them.",
     show_blocks_and_overhead},
    {"HeapSummary: the totals in one call",
     "Windows build 20348 and later (Windows 11, Server 2022) add HeapSummary: a heap's "
     "allocated, committed and reserved bytes in one call, without walking it. The lesson "
     "finds it with GetProcAddress, so it still runs where it is missing.",
     show_heap_summary},
    {"Zeroed blocks, and a grow that must not move",
     "HeapAlloc does not clear memory: a block may hold what a freed block left there. "
     "HEAP_ZERO_MEMORY clears it. HEAP_REALLOC_IN_PLACE_ONLY asks HeapReAlloc to grow a block "
     "without moving it: with a neighbour right after the block, the call fails instead, and "
     "the block stays as it was.",
     show_zeroing_and_in_place},
    {"HeapReAlloc grows a block, moving it if it must",
     "Without HEAP_REALLOC_IN_PLACE_ONLY, HeapReAlloc grows the block in place if the bytes "
     "after it are free; otherwise it allocates a new block, copies and frees the old one, so "
     "the address changes. With HEAP_ZERO_MEMORY the new tail is zeroed.",
     show_realloc_moves},
    {"Fragmentation",
     "Free space in a heap is a list of holes. 200 blocks of 1000 bytes, then every other one "
     "freed: 100 holes, none next to another, so they cannot merge. A request bigger than the "
     "largest hole cannot use any of them, however much free space there is in total. Windows "
     "never moves a heap block (pointers would break), so it cannot compact a heap: "
     "HeapCompact only reports the largest free block. This heap has a maximum size, which "
     "keeps the Low-Fragmentation Heap out of it.",
     show_fragmentation},
    {"A fixed-size heap runs out",
     "HeapCreate with a maximum size reserves that much and never grows past it. When it is "
     "full, HeapAlloc returns NULL. Its page says it does not call SetLastError; Windows does "
     "set ERROR_NOT_ENOUGH_MEMORY, but a program should not rely on either. A fixed-size heap "
     "also caps each block at just under 1 MiB on x64, however big the heap.",
     show_fixed_size_heap},
    {"HEAP_GENERATE_EXCEPTIONS, in child processes",
     "With HEAP_GENERATE_EXCEPTIONS a failed HeapAlloc raises STATUS_NO_MEMORY instead of "
     "returning NULL, whether the flag is given to that call or once to HeapCreate. A child "
     "process shows it safely: its vectored exception handler reports the exception record "
     "and ends the child with that code.",
     show_generate_exceptions},
    {"Large blocks come straight from VirtualAlloc",
     "A growable heap does not carve multi-megabyte blocks out of its regions: it asks "
     "VirtualAlloc for an allocation of their own. Since Windows 8 that allocation starts "
     "with a random number of reserved pages before the block, so its allocation base is "
     "usually far below the block; the committed pages start just before the block's header. "
     "VirtualQuery shows both.",
     show_large_blocks},
    {"HeapDestroy releases everything at once",
     "The subsystem pattern: give each part of a program its own heap. Its blocks then never "
     "mix with anyone else's, a leak stays inside it, and cleaning up is one call: HeapDestroy "
     "frees every block and releases every page of the heap, with no HeapFree first. Here "
     "three heaps get 100 blocks each (one also a 4 MiB block), then three HeapDestroy calls "
     "release it all.",
     show_destroy_releases_everything},
    {"Corruption, safely, in child processes",
     "A heap keeps its bookkeeping next to the data: a block's header sits right after the "
     "previous block, so writing past the end of a block overwrites the next header. "
     "HeapValidate checks the headers. HeapSetInformation(HeapEnableTerminationOnCorruption) "
     "makes the heap manager end the process (STATUS_HEAP_CORRUPTION) as soon as it meets "
     "corruption. A double free is the other classic. Both run in child processes, so this "
     "process's heaps are never touched.",
     show_corruption_safely},
    {"The front end: standard heap or Low-Fragmentation Heap",
     "A heap has two layers. The back end keeps free lists of blocks of any size, as seen so "
     "far. The Low-Fragmentation Heap (LFH) is a front end for small blocks: it serves a few "
     "predetermined sizes, each from buckets of equal slots. Windows turns it on by itself "
     "when one size is allocated often; HeapQueryInformation says whether it is on (2), and "
     "HeapSetInformation asks for it. It is never used for HEAP_NO_SERIALIZE heaps.",
     show_front_end},
    {"Why heap operations can be slower (a quick measurement)",
     "Each HeapAlloc finds a free block of the right size, splits it, writes a header and takes "
     "the heap's lock; each HeapFree writes the header back, merges the block with free "
     "neighbours and puts it on a list. A bump allocator in a pre-committed buffer does one "
     "addition. This is a quick timing of 64-byte blocks, not a benchmark: the numbers vary "
     "from run to run and machine to machine.",
     show_heap_versus_bump},
};

static const wm_lesson_option_t options[] = {
    {L"--pairs", WM_OPTION_UNSIGNED, offsetof(lesson_state_t, pairs), "N",
     "step 13: time N allocations (default 100000)"},
};

static const wm_lesson_child_t children[] = {
    {"no-memory-per-call", run_no_memory_per_call}, /* step 8 */
    {"no-memory-create", run_no_memory_create},     /* step 8 */
    {"overrun", run_overrun_child},                 /* step 11 */
    {"double-free", run_double_free_child},         /* step 11 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    options,
    sizeof options / sizeof options[0],
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    set_defaults,
    check_options,
    heap_unavailable,
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
