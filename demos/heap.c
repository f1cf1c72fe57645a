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
 *      and what each block really costs (the heap walk's overhead, the distance between
 *      blocks); HeapSummary's totals where Windows has it.
 *   3. HEAP_ZERO_MEMORY; HeapReAlloc growing a block, in place or by moving it;
 *      HEAP_REALLOC_IN_PLACE_ONLY refusing to move it.
 *   4. Fragmentation: 200 blocks, every other one freed: 100 holes; a bigger request makes
 *      the heap commit more; HeapCompact.
 *   5. A fixed-size heap running out: NULL, and (in a child process) the STATUS_NO_MEMORY
 *      exception of HEAP_GENERATE_EXCEPTIONS.
 *   6. A multi-megabyte block gets its own VirtualAlloc region, gone when it is freed.
 *   7. HeapDestroy: three subsystem heaps, hundreds of blocks, three calls to clean up.
 *   8. Corruption, safely, in child processes: overruns into a free and into a busy
 *      neighbour's header, and a double free, with termination on corruption enabled.
 *   9. The front end: the standard heap or the Low-Fragmentation Heap.
 *  10. Why heap calls cost more than a bump pointer: a quick timing.
 *
 * Run:  heap [--json] [--pairs=N] [--pause]
 * Docs: docs/heap.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "heap"
#define DEMO_TITLE                                                                                 \
    "The heap: a heap manager carves committed pages into blocks, each with a header and free "    \
    "lists to keep, which is what makes it flexible and what makes it cost."

/* Step 2's block sizes: from one byte to several pages. */
static const SIZE_T block_sizes[] = {1, 16, 100, 1000, 10000};
#define BLOCK_SIZE_COUNT (sizeof block_sizes / sizeof block_sizes[0])

/* Step 3: a block grown from 64 to 4096 bytes. (Block sizes, not pages: any size well above
 * the original works.) */
#define ORIGINAL_SIZE 64
#define GROWN_SIZE 4096

/* Step 4: how many blocks, and how big. 1000 bytes is below every front end's limit for
 * "small" and far above the header size, so the holes are easy to see. */
#define FRAGMENT_BLOCKS 200
#define FRAGMENT_SIZE 1000

/* What Wine is recorded to do instead (docs/deviations.md): step 4's HeapCompact, step 9's
 * Low-Fragmentation Heap. */
static const wm_deviation_t HEAP_COMPACT_STUB = {
    "wine-heap-compact-stub",
    "HeapCompact returned 0 with no error, \"no free space at all\", though the heap has 100 "
    "free blocks: a stub."};
static const wm_deviation_t NO_LFH = {
    "wine-no-lfh", "There is no Low-Fragmentation Heap: HeapSetInformation succeeds and "
                   "HeapQueryInformation keeps answering 0."};
static const wm_deviation_t LFH_ON_NO_SERIALIZE_ACCEPTED = {
    "wine-lfh-on-no-serialize-accepted",
    "HeapSetInformation returns TRUE when asked for the LFH on a HEAP_NO_SERIALIZE heap."};
/* Step 5's HEAP_GENERATE_EXCEPTIONS on HeapCreate, and step 8's corruption children. */
static const wm_deviation_t CREATE_IGNORES_GENERATE_EXCEPTIONS = {
    "wine-heap-create-ignores-generate-exceptions",
    "HeapCreate ignores HEAP_GENERATE_EXCEPTIONS: the full heap returned NULL to a plain "
    "HeapAlloc. Pass the flag to each HeapAlloc."};
static const wm_deviation_t NO_TERMINATION_ON_CORRUPTION = {
    "wine-heap-no-termination-on-corruption",
    "HeapEnableTerminationOnCorruption is accepted but has no effect: HeapFree returns FALSE "
    "on a damaged or already freed block and the process goes on."};

/* Steps 4 and 5: fixed-size heaps. 4 MiB leaves room for step 4 and for a block close to
 * the largest a fixed-size heap allows; 64 KiB fills up quickly. */
#define FIXED_HEAP_MAXIMUM (4u * 1024u * 1024u)
#define SMALL_HEAP_MAXIMUM (64u * 1024u)
#define FILL_BLOCK_SIZE 1000
#define FILL_ATTEMPTS 1000 /* far more than a 64 KiB heap can hold */

/* Step 5: HeapCreate says a fixed-size heap's largest block is slightly less than 1024 KB on
 * x64 (512 KB for 32-bit processes; HeapAlloc's page quotes the 32-bit figure, 0x7FFF8). One
 * size comfortably under the x64 cap, one comfortably over. */
#define UNDER_THE_LIMIT (900u * 1024u)
#define OVER_THE_LIMIT (1100u * 1024u)

/* Step 6: a block well past the point where a growable heap calls VirtualAlloc directly. */
#define LARGE_BLOCK (4u * 1024u * 1024u)

/* Step 7: the subsystems, and what each allocates: blocks of 32, 80, 128, ... 4784 bytes, a
 * mix of sizes as a real subsystem would have. */
#define SUBSYSTEMS 3
#define SUBSYSTEM_BLOCKS 100
#define SUBSYSTEM_FIRST_SIZE 32
#define SUBSYSTEM_SIZE_STEP 48

/* Step 8: the overrun child's blocks, and how far apart two neighbours may be for the child
 * to trust that nothing lies between them (a header and alignment: well under this). */
#define OVERRUN_BLOCK 32
#define OVERRUN_LAYOUT_MAX 256

/* Step 10: allocations of this size, and how many, unless --pairs says otherwise. */
#define TIMED_SIZE 64
#define PAIRS_DEFAULT 100000u
#define PAIRS_MAXIMUM 10000000u /* 640 MB of bump buffer at most */

/* Exit codes a crashing child can have: NTSTATUS values, written out because not every
 * SDK's winnt.h names STATUS_HEAP_CORRUPTION (ntstatus.h does). */
#define EXIT_NO_MEMORY 0xC0000017u        /* STATUS_NO_MEMORY */
#define EXIT_HEAP_CORRUPTION 0xC0000374u  /* STATUS_HEAP_CORRUPTION */
#define EXIT_ACCESS_VIOLATION 0xC0000005u /* STATUS_ACCESS_VIOLATION */

/* The child modes, given with the hidden --child option. */
#define CHILD_NO_MEMORY L"no-memory"     /* step 5: HEAP_GENERATE_EXCEPTIONS on HeapAlloc */
#define CHILD_CREATE_FLAG L"create-flag" /* step 5: HEAP_GENERATE_EXCEPTIONS on HeapCreate */
#define CHILD_OVERRUN L"overrun"         /* step 8: write into the next block's header */
#define CHILD_DOUBLE_FREE L"double-free" /* step 8: free one block twice */

/* What the command line asked for. */
typedef struct demo_config_s
{
    uint64_t pairs;      /* --pairs: step 10's allocations */
    const wchar_t *mode; /* --child: run as one of the child modes; NULL = the lesson */
} demo_config_t;

/* ------------------------------------------------------------------------------------ */
/* Shared helpers.                                                                      */
/* ------------------------------------------------------------------------------------ */

/* Turns the child's lines into one line for a note: each line break (CR LF in text mode)
 * becomes one space, and trailing breaks go. */
static const char *one_line(wm_output_t *output)
{
    size_t from = 0;
    size_t to = 0;
    char c = '\0';

    for (from = 0; from < output->length; from++) {
        c = output->text[from];
        if (c == '\r' || c == '\n') {
            c = ' ';
        }
        if (c == ' ' && (to == 0 || output->text[to - 1] == ' ')) {
            continue; /* no leading or doubled spaces */
        }
        output->text[to] = c;
        to++;
    }
    if (to > 0 && output->text[to - 1] == ' ') {
        to--;
    }
    output->text[to] = '\0';
    output->length = to;
    return to > 0 ? output->text : "(nothing)";
}

/* Runs this program with --child=MODE, collecting its output and exit code. */
static DWORD run_child(const wchar_t *mode, wm_output_t *output, DWORD *exit_code)
{
    wchar_t arguments[64];

    memset(output, 0, sizeof *output);
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--child=%ls", mode);
    return wm_process_run_self(arguments, wm_output_collect, output, exit_code);
}

/* The region VirtualQuery reports around address (state MEM_FREE if the query fails). */
static wm_region_t region_at(const void *address)
{
    wm_region_t region;
    DWORD error = ERROR_SUCCESS;

    memset(&region, 0, sizeof region);
    error = wm_space_query(GetCurrentProcess(), (uintptr_t)address, &region);
    if (error != ERROR_SUCCESS) {
        region.state = MEM_FREE;
    }
    return region;
}

/* A front end's name, from HeapQueryInformation's number. */
static const char *front_end_name(ULONG front_end)
{
    switch (front_end) {
    case WM_HEAP_STANDARD:
        return "0 (standard)";
    case WM_HEAP_LOOKASIDE:
        return "1 (look-aside lists)";
    case WM_HEAP_LOW_FRAG:
        return "2 (Low-Fragmentation Heap)";
    default:
        return "?";
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. The heaps this process already has.                                          */
/* ------------------------------------------------------------------------------------ */

static void show_the_process_heaps(wm_lesson_t *lesson)
{
    wm_heap_list_t list;
    HANDLE process_heap = NULL;
    HANDLE crt_heap = NULL;
    HANDLE own_heap = NULL;
    void *block = NULL;
    wm_region_t region;
    DWORD crt_index = WM_HEAP_NOT_FOUND;
    DWORD own_index = WM_HEAP_NOT_FOUND;
    DWORD error = ERROR_SUCCESS;
    DWORD i = 0;
    const char *label = NULL;
    char name[64];

    wm_step(lesson, "The heaps this process already has",
            "Every process starts with a default heap, GetProcessHeap(), which Windows itself "
            "and many DLLs allocate from. GetProcessHeaps lists every heap in the process: the "
            "default one, the C runtime's, any a DLL created, and the program's own private "
            "heaps (HeapCreate; this lesson creates one to see it listed). A heap lives in "
            "ordinary committed private memory: VirtualQuery on a heap block shows pages the "
            "heap manager got from VirtualAlloc.");

    error = wm_heap_process(&process_heap);
    wm_claim_success(lesson, "GetProcessHeap", error);
    error = wm_heap_create(0, 0, 0, &own_heap);
    wm_claim_success(lesson, "HeapCreate(0, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_list(&list);
    wm_claim_success(lesson, "GetProcessHeaps", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    /* mingw's msvcrt.dll keeps its own heap for malloc; the Universal CRT (MSVC) uses the
     * process heap. _get_heap_handle says which. */
    crt_heap = (HANDLE)_get_heap_handle();
    crt_index = wm_heap_list_index(&list, crt_heap);
    own_index = wm_heap_list_index(&list, own_heap);

    wm_value_count(lesson, "heaps in this process", list.total, NULL);
    for (i = 0; i < list.count; i++) {
        label = "";
        if (i == list.default_index) {
            label = " (default)";
        } else if (i == crt_index) {
            label = " (C runtime)";
        } else if (i == own_index) {
            label = " (created by this lesson)";
        }
        snprintf(name, sizeof name, "heap %lu%s", (unsigned long)i, label);
        wm_value_address(lesson, name, (uintptr_t)list.heaps[i]);
    }
    wm_value_address(lesson, "GetProcessHeap()", (uintptr_t)process_heap);
    wm_value_address(lesson, "malloc's heap (_get_heap_handle)", (uintptr_t)crt_heap);
    wm_value_text(lesson, "malloc uses the process heap", crt_heap == process_heap ? "yes" : "no");

    wm_claim(lesson, NULL, "GetProcessHeaps lists at least two heaps: the default one and ours.",
             list.total >= 2);
    wm_claim(lesson, NULL, "The default heap (GetProcessHeap) is in the list.",
             list.default_index != WM_HEAP_NOT_FOUND);
    wm_claim(lesson, NULL, "The heap this lesson created is in the list.",
             own_index != WM_HEAP_NOT_FOUND);
    wm_claim(lesson, NULL, "The C runtime's heap is one of the process's heaps.",
             crt_index != WM_HEAP_NOT_FOUND);

    error = wm_heap_alloc(process_heap, 0, 100, &block);
    wm_claim_success(lesson, "HeapAlloc(GetProcessHeap(), 0, 100)", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    region = region_at(block);
    wm_value_address(lesson, "a 100-byte block from the default heap", (uintptr_t)block);
    wm_value_text(lesson, "VirtualQuery says", wm_state_name(region.state));
    wm_claim(lesson, NULL, "A heap block lies in committed, private, read-write memory.",
             region.state == MEM_COMMIT && region.type == MEM_PRIVATE &&
                 (region.protect & 0xFFu) == PAGE_READWRITE);
    error = wm_heap_free(process_heap, 0, block);
    wm_claim_success(lesson, "HeapFree", error);

cleanup:
    error = wm_heap_destroy(own_heap);
    wm_claim_success(lesson, "HeapDestroy", error);
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

/* HeapSummary's type, for GetProcAddress: it is new in Windows build 20348 (Windows 11,
 * Server 2022), so a static import would stop this program loading on older Windows 10. */
typedef BOOL(WINAPI *heap_summary_fn)(HANDLE, DWORD, LPHEAP_SUMMARY);

/* GetProcAddress's FARPROC goes through a generic function pointer type first, as C allows. */
typedef void (*any_fn)(void);

/* HeapSummary: the walk's totals in one call, where the system has it. */
static void show_heap_summary(wm_lesson_t *lesson, HANDLE heap, const wm_heap_summary_t *walk)
{
    HEAP_SUMMARY totals;
    HMODULE kernel32 = NULL;
    FARPROC proc = NULL;
    heap_summary_fn heap_summary = NULL;
    BOOL ok = FALSE;

    if (wm_is_wine()) {
        /* Not called under Wine: it is exported there as a stub that raises 0x80000100,
         * which would end this process. No claim is made about it here, so no verdict comes
         * from "this is Wine": a note says why nothing is shown. */
        wm_note(lesson, "HeapSummary is not called under Wine, where it is a stub that raises "
                        "an exception; the walk above gives the same totals.");
        return;
    }
    kernel32 = GetModuleHandleW(L"kernel32.dll"); /* always loaded: no reference taken */
    if (kernel32 != NULL) {
        proc = GetProcAddress(kernel32, "HeapSummary");
    }
    if (proc == NULL) {
        wm_note(lesson, "HeapSummary is not in this Windows build's kernel32 (it needs build "
                        "20348 or later); the walk above gives the same totals.");
        return;
    }
    heap_summary = (heap_summary_fn)(any_fn)proc;
    memset(&totals, 0, sizeof totals);
    totals.cb = sizeof totals; /* HEAP_SUMMARY: cb must be set first */
    ok = heap_summary(heap, 0, &totals);
    wm_claim(lesson, NULL, "HeapSummary succeeds.", ok);
    if (!ok) {
        return;
    }
    wm_value_bytes(lesson, "HeapSummary: allocated", totals.cbAllocated);
    wm_value_bytes(lesson, "HeapSummary: committed", totals.cbCommitted);
    wm_value_bytes(lesson, "HeapSummary: reserved", totals.cbReserved);
    wm_value_bytes(lesson, "the walk: busy bytes + overhead",
                   walk->busy_bytes + walk->busy_overhead);
    wm_claim(lesson, NULL,
             "HeapSummary: allocated <= committed <= reserved, and allocated is not zero.",
             totals.cbAllocated > 0 && totals.cbAllocated <= totals.cbCommitted &&
                 totals.cbCommitted <= totals.cbReserved);
}

static void show_blocks_and_overhead(wm_lesson_t *lesson)
{
    block_census_t census;
    wm_heap_summary_t summary;
    HANDLE heap = NULL;
    SIZE_T sizes[BLOCK_SIZE_COUNT];
    uintptr_t distance = 0;
    uint64_t distance_overhead = 0;
    unsigned adjacent_pairs = 0;
    DWORD error = ERROR_SUCCESS;
    size_t i = 0;
    int sizes_exact = 1;
    int aligned = 1;
    int all_found = 1;
    int walk_covers = 1;
    char name[96];

    wm_step(lesson, "Blocks and what they cost",
            "A private heap (HeapCreate) gets five blocks: 1, 16, 100, 1000 and 10000 bytes. "
            "HeapSize answers with the size that was asked for, but each block costs more: a "
            "header in front (the heap's bookkeeping), and rounding up to the alignment "
            "(16 bytes on x64). HeapWalk shows each block with its overhead (cbOverhead), and "
            "in a fresh heap consecutive blocks sit side by side, so the distance from one "
            "block to the next is what it really occupies.");

    memset(&census, 0, sizeof census);
    error = wm_heap_create(0,         /* serialized: the default */
                           0,         /* initial size 0: one page committed */
                           0, &heap); /* maximum 0: a growable heap */
    wm_claim_success(lesson, "HeapCreate(0, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    for (i = 0; i < BLOCK_SIZE_COUNT && error == ERROR_SUCCESS; i++) {
        error = wm_heap_alloc(heap, 0, block_sizes[i], &census.blocks[i]);
    }
    wm_claim_success(lesson, "HeapAlloc of 1, 16, 100, 1000 and 10000 bytes", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        error = wm_heap_size(heap, 0, census.blocks[i], &sizes[i]);
        sizes_exact = sizes_exact && error == ERROR_SUCCESS && sizes[i] == block_sizes[i];
        aligned = aligned && (uintptr_t)census.blocks[i] % MEMORY_ALLOCATION_ALIGNMENT == 0;
    }
    error = wm_heap_walk(heap, &summary, census_entry, &census);
    wm_claim_success(lesson, "HeapWalk, under HeapLock", error);

    for (i = 0; i < BLOCK_SIZE_COUNT; i++) {
        all_found = all_found && census.found[i];
        walk_covers = walk_covers && census.walk_size[i] >= block_sizes[i];
        snprintf(name, sizeof name, "%zu-byte block", (size_t)block_sizes[i]);
        wm_value_address(lesson, name, (uintptr_t)census.blocks[i]);
        wm_value_count(lesson, "  HeapSize", sizes[i], "bytes");
        wm_value_count(lesson, "  overhead (walk's cbOverhead)", census.overhead[i], "bytes");
        if (i + 1 < BLOCK_SIZE_COUNT && census.blocks[i + 1] > census.blocks[i]) {
            distance = (uintptr_t)census.blocks[i + 1] - (uintptr_t)census.blocks[i];
            wm_value_count(lesson, "  occupies (distance to the next)", distance, "bytes");
            if (distance >= block_sizes[i]) {
                distance_overhead += distance - block_sizes[i];
                adjacent_pairs++;
            }
        }
    }
    wm_value_count(lesson, "busy blocks in the heap (walk)", summary.busy_blocks, NULL);
    wm_value_bytes(lesson, "busy bytes (walk)", summary.busy_bytes);
    wm_value_bytes(lesson, "busy overhead (walk)", summary.busy_overhead);
    if (summary.busy_blocks > 0) {
        wm_value_count(lesson, "overhead per block, from the walk",
                       summary.busy_overhead / summary.busy_blocks, "bytes");
    }
    if (adjacent_pairs > 0) {
        wm_value_count(lesson, "overhead per block, from the distances",
                       distance_overhead / adjacent_pairs, "bytes");
    }

    wm_claim(lesson, NULL, "HeapSize returns exactly the size asked for, for every block.",
             sizes_exact);
    wm_claim(lesson, NULL,
             "Every block is aligned to MEMORY_ALLOCATION_ALIGNMENT (16 bytes on x64).", aligned);
    wm_claim(lesson, NULL, "The walk finds every block as busy, with at least the bytes asked for.",
             all_found && walk_covers);
    wm_claim(lesson, NULL,
             "The heap spends bytes of its own on the blocks: their overhead is not zero.",
             summary.busy_overhead > 0);
    wm_claim(lesson, NULL,
             "Each block occupies more than it asked for: the 1-byte block takes at least "
             "16 bytes.",
             adjacent_pairs == 0 || (uintptr_t)census.blocks[1] - (uintptr_t)census.blocks[0] >=
                                        MEMORY_ALLOCATION_ALIGNMENT);
    show_heap_summary(lesson, heap, &summary);

cleanup:
    /* HeapDestroy frees the blocks with the heap: no HeapFree needed. */
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Zeroing and reallocation.                                                    */
/* ------------------------------------------------------------------------------------ */

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

static void show_zeroing_and_realloc(wm_lesson_t *lesson)
{
    HANDLE heap = NULL;
    void *zeroed = NULL;
    void *first = NULL;
    void *neighbour = NULL;
    void *grown = NULL;
    void *in_place = NULL;
    DWORD error = ERROR_SUCCESS;
    DWORD in_place_error = ERROR_SUCCESS;
    int kept = 0;
    int tail_zero = 0;

    wm_step(lesson, "Zeroing and reallocation",
            "HeapAlloc does not clear memory: a block may hold what a freed block left there. "
            "HEAP_ZERO_MEMORY clears it. HeapReAlloc resizes a block: if the bytes after it "
            "are free it grows in place, otherwise it allocates a new block, copies and frees "
            "the old one, so the address changes. HEAP_REALLOC_IN_PLACE_ONLY forbids the move: "
            "the call fails instead and the block stays as it was.");

    error = wm_heap_create(0, 0, 0, &heap);
    wm_claim_success(lesson, "HeapCreate(0, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_alloc(heap, HEAP_ZERO_MEMORY, /* every byte of the block is 0 */
                          GROWN_SIZE, &zeroed);
    wm_claim_success(lesson, "HeapAlloc(HEAP_ZERO_MEMORY, 4096)", error);
    if (error == ERROR_SUCCESS) {
        wm_claim(lesson, NULL, "All 4096 bytes of a HEAP_ZERO_MEMORY block are zero.",
                 bytes_are(zeroed, 0, GROWN_SIZE, 0));
    }

    /* Two neighbours: the first cannot grow in place while the second follows it. */
    error = wm_heap_alloc(heap, 0, ORIGINAL_SIZE, &first);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, ORIGINAL_SIZE, &neighbour);
    }
    wm_claim_success(lesson, "HeapAlloc of two 64-byte neighbours", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    memset(first, 0xAB, ORIGINAL_SIZE);

    in_place_error = wm_heap_realloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, /* fail rather than move */
                                     first, GROWN_SIZE, &in_place);
    wm_value_address(lesson, "block", (uintptr_t)first);
    wm_value_address(lesson, "its neighbour", (uintptr_t)neighbour);
    wm_value_text(lesson, "grow to 4096 with HEAP_REALLOC_IN_PLACE_ONLY",
                  in_place_error == ERROR_SUCCESS ? "grew in place" : "refused (NULL)");
    wm_claim(lesson, NULL,
             "HEAP_REALLOC_IN_PLACE_ONLY never moves a block: it fails, or the address stays.",
             in_place == first);
    wm_claim(lesson, NULL, "A refused in-place grow leaves the block's contents as they were.",
             bytes_are(first, 0, ORIGINAL_SIZE, 0xAB));

    error = wm_heap_realloc(heap, HEAP_ZERO_MEMORY, /* the grown tail is zeroed */
                            first, GROWN_SIZE, &grown);
    wm_claim_success(lesson, "HeapReAlloc(HEAP_ZERO_MEMORY) to 4096 bytes", error);
    if (error == ERROR_SUCCESS) {
        kept = bytes_are(grown, 0, ORIGINAL_SIZE, 0xAB);
        tail_zero = bytes_are(grown, ORIGINAL_SIZE, GROWN_SIZE, 0);
        wm_value_address(lesson, "after HeapReAlloc", (uintptr_t)grown);
        wm_value_text(lesson, "the block", grown == first ? "grew in place" : "moved");
        wm_claim(lesson, NULL, "HeapReAlloc keeps the first 64 bytes, wherever the block ends up.",
                 kept);
        wm_claim(lesson, NULL, "With HEAP_ZERO_MEMORY the 4032 new bytes are zero.", tail_zero);
    }

cleanup:
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Fragmentation.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_fragmentation(wm_lesson_t *lesson)
{
    wm_system_t system;
    wm_heap_summary_t full;
    wm_heap_summary_t holed;
    wm_heap_summary_t grown;
    HANDLE heap = NULL;
    void *blocks[FRAGMENT_BLOCKS];
    void *big = NULL;
    SIZE_T big_size = 0;
    SIZE_T largest = 0;
    DWORD error = ERROR_SUCCESS;
    size_t i = 0;

    wm_step(lesson, "Fragmentation",
            "Free space in a heap is a list of holes. 200 blocks of 1000 bytes, then every "
            "other one freed: 100 holes of about 1000 bytes each, none next to another, so "
            "they cannot merge. A request bigger than the largest hole cannot use any of them, "
            "however much free space there is in total: the heap commits more pages. Windows "
            "never moves a heap block (pointers would break), so it cannot compact a heap; "
            "HeapCompact only reports the largest free block. This heap has a maximum size, "
            "which also keeps the Low-Fragmentation Heap out of it.");

    memset(blocks, 0, sizeof blocks);
    error = wm_system_query(&system);
    wm_claim_success(lesson, "GetSystemInfo", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_create(0, 0, FIXED_HEAP_MAXIMUM, &heap); /* fixed: never uses the LFH */
    wm_claim_success(lesson, "HeapCreate(0, 0, 4 MiB)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    for (i = 0; i < FRAGMENT_BLOCKS && error == ERROR_SUCCESS; i++) {
        error = wm_heap_alloc(heap, 0, FRAGMENT_SIZE, &blocks[i]);
    }
    wm_claim_success(lesson, "HeapAlloc of 200 blocks of 1000 bytes", error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_walk(heap, &full, NULL, NULL);
    }
    for (i = 0; i < FRAGMENT_BLOCKS && error == ERROR_SUCCESS; i += 2) {
        error = wm_heap_free(heap, 0, blocks[i]);
        blocks[i] = NULL;
    }
    wm_claim_success(lesson, "HeapFree of every other block", error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_walk(heap, &holed, NULL, NULL);
    }
    wm_claim_success(lesson, "HeapWalk before and after", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    wm_value_count(lesson, "free blocks with 200 allocated", full.free_blocks, NULL);
    wm_value_count(lesson, "free blocks after freeing 100", holed.free_blocks, NULL);
    wm_value_bytes(lesson, "free bytes in total", holed.free_bytes);
    wm_value_bytes(lesson, "largest free block", holed.largest_free);
    wm_value_bytes(lesson, "committed", holed.committed_bytes);
    wm_claim(lesson, NULL, "Freeing every other block leaves at least 100 separate free blocks.",
             holed.free_blocks >= FRAGMENT_BLOCKS / 2);
    wm_claim(lesson, NULL, "The holes add up to at least 100 x 1000 bytes of free space.",
             holed.free_bytes >= (FRAGMENT_BLOCKS / 2) * FRAGMENT_SIZE);

    /* One page more than the largest hole: no hole can serve it. */
    big_size = holed.largest_free + system.page_size;
    error = wm_heap_alloc(heap, 0, big_size, &big);
    wm_claim_success(lesson, "HeapAlloc of one page more than the largest free block", error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_walk(heap, &grown, NULL, NULL);
    }
    if (error == ERROR_SUCCESS) {
        wm_value_bytes(lesson, "requested", big_size);
        wm_value_bytes(lesson, "committed afterwards", grown.committed_bytes);
        wm_claim(lesson, NULL,
                 "The heap grew: it committed more pages, though it had enough free bytes.",
                 grown.committed_bytes > holed.committed_bytes);
        wm_claim(lesson, NULL, "The 100 holes are still there: the big block could not use them.",
                 grown.free_blocks >= FRAGMENT_BLOCKS / 2);
    }

    /* HeapCompact on Microsoft Learn: it returns the largest committed free block, and 0
     * with no error only when there is no free space at all. */
    error = wm_heap_compact(heap, 0, &largest);
    wm_claim_success(lesson, "HeapCompact", error);
    wm_value_bytes(lesson, "HeapCompact's largest free block", largest);
    if (error == ERROR_SUCCESS && largest == 0) {
        wm_claim_or_deviation(lesson, NULL, "HeapCompact reports the largest committed free block.",
                              0, 1, &HEAP_COMPACT_STUB);
    } else {
        wm_claim(lesson, NULL, "HeapCompact reports the largest committed free block.",
                 error == ERROR_SUCCESS && largest >= FRAGMENT_SIZE);
    }

cleanup:
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. A fixed-size heap runs out.                                                  */
/* ------------------------------------------------------------------------------------ */

static void show_fixed_size_heap(wm_lesson_t *lesson)
{
    wm_output_t output;
    HANDLE heap = NULL;
    void *block = NULL;
    void *under = NULL;
    void *over = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD fill_error = ERROR_SUCCESS;
    DWORD over_error = ERROR_SUCCESS;
    unsigned blocks = 0;
    unsigned long exception_flags = 0;
    const char *line = NULL;
    int reported = 0;
    char text[256];

    wm_step(lesson, "A fixed-size heap runs out",
            "HeapCreate with a maximum size reserves that much and never grows past it. When "
            "it is full, HeapAlloc returns NULL (and sets no error code). With "
            "HEAP_GENERATE_EXCEPTIONS it raises STATUS_NO_MEMORY instead: an exception that "
            "cannot be continued. A child process shows it safely: its vectored exception "
            "handler reports the exception and ends the child with that code. A fixed-size "
            "heap also caps each block at just under 1 MiB on x64, however big the heap.");

    error = wm_heap_create(0, 0, SMALL_HEAP_MAXIMUM, &heap); /* 64 KiB, fixed */
    wm_claim_success(lesson, "HeapCreate(0, 0, 64 KiB)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    while (blocks < FILL_ATTEMPTS) {
        fill_error = wm_heap_alloc(heap, 0, FILL_BLOCK_SIZE, &block);
        if (fill_error != ERROR_SUCCESS) {
            break;
        }
        blocks++;
    }
    wm_value_count(lesson, "1000-byte blocks before NULL", blocks, NULL);
    wm_value_count(lesson, "of 64 KiB, used by data",
                   (uint64_t)blocks * FILL_BLOCK_SIZE * 100u / SMALL_HEAP_MAXIMUM, "%");
    (void)wm_error_text(fill_error, text, sizeof text);
    wm_value_text(lesson, "the failure", text);
    wm_claim(lesson, NULL, "The full heap returns NULL (reported as ERROR_NOT_ENOUGH_MEMORY).",
             fill_error == ERROR_NOT_ENOUGH_MEMORY && block == NULL);
    wm_claim(lesson, NULL,
             "It held fewer blocks than 64 KiB / 1000: headers and bookkeeping use the rest.",
             blocks > 0 && (uint64_t)blocks * FILL_BLOCK_SIZE < SMALL_HEAP_MAXIMUM);
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);

    error = wm_heap_create(0, 0, FIXED_HEAP_MAXIMUM, &heap); /* 4 MiB, fixed */
    wm_claim_success(lesson, "HeapCreate(0, 0, 4 MiB)", error);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, UNDER_THE_LIMIT, &under);
        over_error = wm_heap_alloc(heap, 0, OVER_THE_LIMIT, &over);
        wm_claim(lesson, NULL, "A 900 KiB block fits in a 4 MiB fixed-size heap.",
                 error == ERROR_SUCCESS);
        wm_claim(lesson, NULL,
                 "A 1100 KiB block does not, though the heap has room: the per-block cap.",
                 over_error == ERROR_NOT_ENOUGH_MEMORY);
        error = wm_heap_destroy(heap);
        wm_claim_success(lesson, "HeapDestroy", error);
    }

    error = run_child(CHILD_NO_MEMORY, &output, &exit_code);
    wm_claim_success(lesson, "Running the child (HEAP_GENERATE_EXCEPTIONS on each HeapAlloc)",
                     error);
    if (error == ERROR_SUCCESS) {
        line = strstr(output.text, "exception=0xC0000017 flags=");
        if (line != NULL) {
            reported = sscanf(line, "exception=0xC0000017 flags=0x%lX", &exception_flags) == 1;
        }
        wm_value_hex(lesson, "child exit code", exit_code, "STATUS_NO_MEMORY is 0xC0000017");
        if (reported) {
            wm_value_hex(lesson, "the exception's flags", exception_flags,
                         "1 is EXCEPTION_NONCONTINUABLE");
        }
        wm_claim(lesson, NULL,
                 "With HEAP_GENERATE_EXCEPTIONS, HeapAlloc raised STATUS_NO_MEMORY instead of "
                 "returning NULL; the handler saw it and ended the child with that code.",
                 exit_code == EXIT_NO_MEMORY && reported);
    }
    error = run_child(CHILD_CREATE_FLAG, &output, &exit_code);
    wm_claim_success(lesson, "Running the child (HEAP_GENERATE_EXCEPTIONS given to HeapCreate)",
                     error);
    if (error == ERROR_SUCCESS) {
        wm_value_hex(lesson, "child exit code", exit_code, NULL);
        /* The deviation is what the child reports: HeapAlloc returned NULL and it exited 0. */
        wm_claim_or_deviation(lesson, NULL,
                              "HEAP_GENERATE_EXCEPTIONS given to HeapCreate applies to every "
                              "HeapAlloc: the plain HeapAlloc raised STATUS_NO_MEMORY too.",
                              exit_code == EXIT_NO_MEMORY,
                              exit_code == 0 && strstr(output.text, "returned-null") != NULL,
                              &CREATE_IGNORES_GENERATE_EXCEPTIONS);
    }
}

/* Handler for the no-memory children: on STATUS_NO_MEMORY (HeapAlloc on Microsoft Learn:
 * with HEAP_GENERATE_EXCEPTIONS a failure raises it instead of returning NULL), report and
 * end the process with that code. The heap raises it as a non-continuable exception
 * (ExceptionFlags has EXCEPTION_NONCONTINUABLE): returning EXCEPTION_CONTINUE_EXECUTION would
 * only raise STATUS_NONCONTINUABLE_EXCEPTION, and jumping out of HeapAlloc with longjmp is
 * not supported. So the handler ends the process; nothing runs after the failed call. */
static LONG CALLBACK report_no_memory(PEXCEPTION_POINTERS pointers)
{
    DWORD code = pointers->ExceptionRecord->ExceptionCode;
    DWORD flags = pointers->ExceptionRecord->ExceptionFlags;

    if (code != EXIT_NO_MEMORY) {
        return EXCEPTION_CONTINUE_SEARCH; /* not ours: let the system handle it */
    }
    printf("exception=0x%08lX flags=0x%lX\n", (unsigned long)code, (unsigned long)flags);
    fflush(stdout);
    (void)TerminateProcess(GetCurrentProcess(), code); /* the exit code the parent checks */
    return EXCEPTION_CONTINUE_SEARCH;                  /* not reached */
}

/* Children of step 5: fill a 64 KiB fixed-size heap, with HEAP_GENERATE_EXCEPTIONS either on
 * each HeapAlloc (per_call) or given once to HeapCreate. Ends with STATUS_NO_MEMORY when the
 * exception comes; prints "returned-null" and exits 0 when HeapAlloc returns NULL instead. */
static int run_no_memory_child(int per_call)
{
    HANDLE heap = NULL;
    void *handler = NULL;
    void *block = NULL;
    DWORD create_options = per_call ? 0 : HEAP_GENERATE_EXCEPTIONS;
    DWORD alloc_flags = per_call ? HEAP_GENERATE_EXCEPTIONS : 0;
    DWORD error = ERROR_SUCCESS;
    unsigned blocks = 0;

    handler = AddVectoredExceptionHandler(1, /* first in the chain */
                                          report_no_memory);
    if (handler == NULL) {
        return WM_EXIT_FAILED;
    }
    error = wm_heap_create(create_options, 0, SMALL_HEAP_MAXIMUM, &heap);
    while (error == ERROR_SUCCESS && blocks < FILL_ATTEMPTS) {
        error = wm_heap_alloc(heap, alloc_flags, FILL_BLOCK_SIZE, &block);
        blocks++;
    }
    printf("returned-null blocks=%u error=%lu\n", blocks, (unsigned long)error);
    fflush(stdout);
    if (heap != NULL) {
        (void)wm_heap_destroy(heap);
    }
    (void)RemoveVectoredExceptionHandler(handler);
    return WM_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Large blocks come straight from VirtualAlloc.                                */
/* ------------------------------------------------------------------------------------ */

static void show_large_blocks(wm_lesson_t *lesson)
{
    wm_system_t system;
    wm_region_t small_region;
    wm_region_t large_region;
    wm_region_t after_free;
    HANDLE heap = NULL;
    void *small = NULL;
    void *large = NULL;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Large blocks come straight from VirtualAlloc",
            "A growable heap does not carve multi-megabyte blocks out of its regions: it asks "
            "VirtualAlloc for a reservation of their own, with the block's header at its start. "
            "VirtualQuery shows the difference: a small block lies in the heap's own region, a "
            "4 MiB block in a region that starts just before it. HeapFree releases that region, "
            "and the address range is free again.");

    error = wm_system_query(&system);
    wm_claim_success(lesson, "GetSystemInfo", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_create(0, 0, 0, &heap); /* growable: large blocks allowed */
    wm_claim_success(lesson, "HeapCreate(0, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_alloc(heap, 0, 100, &small);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, LARGE_BLOCK, &large);
    }
    wm_claim_success(lesson, "HeapAlloc of 100 bytes and of 4 MiB", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    small_region = region_at(small);
    large_region = region_at(large);
    wm_value_address(lesson, "heap handle", (uintptr_t)heap);
    wm_value_address(lesson, "small block", (uintptr_t)small);
    wm_value_address(lesson, "  its allocation base", small_region.allocation_base);
    wm_value_address(lesson, "4 MiB block", (uintptr_t)large);
    wm_value_address(lesson, "  its allocation base", large_region.allocation_base);
    wm_value_count(lesson, "  header in front of it",
                   (uintptr_t)large - large_region.allocation_base, "bytes");
    wm_value_bytes(lesson, "  committed region", large_region.size);

    wm_claim(lesson, NULL,
             "The small block lies in the heap's own region (whose base is the handle).",
             small_region.allocation_base == (uintptr_t)heap);
    wm_claim(lesson, NULL,
             "The 4 MiB block has a region of its own, starting less than a page before it.",
             large_region.allocation_base != (uintptr_t)heap &&
                 large_region.allocation_base <= (uintptr_t)large &&
                 (uintptr_t)large - large_region.allocation_base < system.page_size &&
                 large_region.state == MEM_COMMIT &&
                 large_region.base + large_region.size >= (uintptr_t)large + LARGE_BLOCK);

    error = wm_heap_free(heap, 0, large);
    wm_claim_success(lesson, "HeapFree of the 4 MiB block", error);
    after_free = region_at(large);
    wm_value_text(lesson, "its address afterwards", wm_state_name(after_free.state));
    wm_claim(lesson, NULL, "Freeing it released the region: VirtualQuery shows MEM_FREE.",
             error == ERROR_SUCCESS && after_free.state == MEM_FREE);

cleanup:
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. HeapDestroy releases everything at once.                                     */
/* ------------------------------------------------------------------------------------ */

static void show_destroy_releases_everything(wm_lesson_t *lesson)
{
    static const char *const subsystem_names[SUBSYSTEMS] = {"parser", "network", "cache"};
    HANDLE heaps[SUBSYSTEMS] = {NULL, NULL, NULL};
    void *first_blocks[SUBSYSTEMS] = {NULL, NULL, NULL};
    void *large = NULL;
    wm_heap_summary_t summary;
    wm_heap_list_t list;
    wm_region_t region;
    uint64_t committed = 0;
    unsigned allocated = 0;
    unsigned listed_after = 0;
    unsigned freed_regions = 0;
    DWORD error = ERROR_SUCCESS;
    void *block = NULL;
    size_t s = 0;
    size_t i = 0;
    char name[64];

    wm_step(lesson, "HeapDestroy releases everything at once",
            "The subsystem pattern: give each part of a program its own heap. Its blocks then "
            "never mix with anyone else's, a leak stays inside it, and cleaning up is one call: "
            "HeapDestroy frees every block and releases every page of the heap, with no "
            "HeapFree needed first. Here three heaps get 100 blocks each (one also a 4 MiB "
            "block), then three HeapDestroy calls release it all.");

    for (s = 0; s < SUBSYSTEMS && error == ERROR_SUCCESS; s++) {
        error = wm_heap_create(0, 0, 0, &heaps[s]);
        for (i = 0; i < SUBSYSTEM_BLOCKS && error == ERROR_SUCCESS; i++) {
            error =
                wm_heap_alloc(heaps[s], 0, SUBSYSTEM_FIRST_SIZE + SUBSYSTEM_SIZE_STEP * i, &block);
            if (error == ERROR_SUCCESS && i == 0) {
                first_blocks[s] = block;
            }
            allocated += error == ERROR_SUCCESS ? 1u : 0u;
        }
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heaps[SUBSYSTEMS - 1], 0, LARGE_BLOCK, &large);
    }
    wm_claim_success(lesson, "HeapCreate x 3, HeapAlloc x 301", error);
    if (error == ERROR_SUCCESS) {
        for (s = 0; s < SUBSYSTEMS && error == ERROR_SUCCESS; s++) {
            error = wm_heap_walk(heaps[s], &summary, NULL, NULL);
            committed += summary.committed_bytes;
            snprintf(name, sizeof name, "%s heap", subsystem_names[s]);
            wm_value_address(lesson, name, (uintptr_t)heaps[s]);
        }
        wm_claim_success(lesson, "HeapWalk of the three heaps", error);
    }
    wm_value_count(lesson, "blocks allocated", allocated + (large != NULL ? 1u : 0u), NULL);
    wm_value_bytes(lesson, "committed in the heaps' regions (walk)", committed);

    /* One call per heap, whatever happened above: the cleanup the pattern promises. */
    for (s = 0; s < SUBSYSTEMS; s++) {
        if (heaps[s] == NULL) {
            continue;
        }
        error = wm_heap_destroy(heaps[s]);
        snprintf(name, sizeof name, "HeapDestroy(%s heap)", subsystem_names[s]);
        wm_claim_success(lesson, name, error);
    }
    for (s = 0; s < SUBSYSTEMS; s++) {
        region = region_at(heaps[s]);
        freed_regions += region.state == MEM_FREE ? 1u : 0u;
        region = region_at(first_blocks[s]);
        freed_regions += region.state == MEM_FREE ? 1u : 0u;
    }
    region = region_at(large);
    error = wm_heap_list(&list);
    for (s = 0; s < SUBSYSTEMS && error == ERROR_SUCCESS; s++) {
        listed_after += wm_heap_list_index(&list, heaps[s]) != WM_HEAP_NOT_FOUND ? 1u : 0u;
    }
    wm_claim(lesson, NULL, "Each heap's region and its blocks' addresses are MEM_FREE afterwards.",
             freed_regions == 2 * SUBSYSTEMS);
    wm_claim(lesson, NULL, "The 4 MiB block's own region went with its heap.",
             large != NULL && region.state == MEM_FREE);
    wm_claim(lesson, NULL, "GetProcessHeaps no longer lists the three heaps.",
             error == ERROR_SUCCESS && listed_after == 0);
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. Corruption, safely.                                                          */
/* ------------------------------------------------------------------------------------ */

static void show_corruption_safely(wm_lesson_t *lesson)
{
    wm_output_t output;
    HANDLE process_heap = NULL;
    const char *line = NULL;
    const char *said = NULL;
    DWORD exit_code = 0;
    DWORD error = ERROR_SUCCESS;
    int valid_free = 1;
    int valid_heap = 1;
    int valid_next = 1;
    int free_reported = 0;
    int reported = 0;
    int valid = 0;
    unsigned long free_error = 0;
    unsigned long first_free = 0;
    unsigned long second_free = 0;
    int caught = 0;

    wm_step(lesson, "Corruption, safely, in child processes",
            "A heap keeps its bookkeeping next to the data: a block's header sits right after "
            "the previous block. Writing past the end of a block overwrites the next header. "
            "HeapValidate checks the headers, of busy and of free blocks; HeapSetInformation("
            "HeapEnableTerminationOnCorruption) makes the heap manager end the process "
            "(STATUS_HEAP_CORRUPTION) as soon as it meets corruption, so an attacker cannot "
            "exploit it. A double free is the other classic. Both run in child processes, so "
            "this process's heaps are never touched.");

    error = run_child(CHILD_OVERRUN, &output, &exit_code);
    wm_claim_success(lesson, "Running the overrun child", error);
    if (error == ERROR_SUCCESS) {
        line = strstr(output.text, "validate-heap=");
        if (line != NULL) {
            reported =
                sscanf(line, "validate-heap=%d validate-next=%d", &valid_heap, &valid_next) == 2;
        }
        line = strstr(output.text, "free-error=");
        if (line != NULL) {
            (void)sscanf(line, "free-error=%lu", &free_error);
        }
        line = strstr(output.text, "validate-free=");
        if (line != NULL) {
            free_reported = sscanf(line, "validate-free=%d", &valid_free) == 1;
        }
        said = one_line(&output);
        wm_note(lesson, "The child said: %s", said);
        wm_value_hex(lesson, "overrun child's exit code", exit_code,
                     "0xC0000374 is STATUS_HEAP_CORRUPTION");
        wm_claim(lesson, NULL,
                 "HeapValidate noticed an overrun into a free neighbour's header (or the heap "
                 "manager ended the child first).",
                 (free_reported && valid_free == 0) || exit_code == EXIT_HEAP_CORRUPTION);
        wm_claim(lesson, NULL,
                 "HeapValidate found the damage: the heap and the overwritten block are invalid "
                 "(or the heap manager ended the child first).",
                 (reported && valid_heap == 0 && valid_next == 0) ||
                     exit_code == EXIT_HEAP_CORRUPTION);
        caught = exit_code == EXIT_HEAP_CORRUPTION || exit_code == EXIT_ACCESS_VIOLATION ||
                 (exit_code == 0 && free_error != 0);
        wm_claim(lesson, NULL,
                 "Freeing the damaged block was stopped: the child died, or HeapFree refused.",
                 caught);
        wm_claim_or_deviation(lesson, NULL,
                              "With termination on corruption, the child ended with "
                              "STATUS_HEAP_CORRUPTION.",
                              exit_code == EXIT_HEAP_CORRUPTION, exit_code == 0 && free_error != 0,
                              &NO_TERMINATION_ON_CORRUPTION);
    }

    error = run_child(CHILD_DOUBLE_FREE, &output, &exit_code);
    wm_claim_success(lesson, "Running the double-free child", error);
    if (error == ERROR_SUCCESS) {
        line = strstr(output.text, "first-free=");
        if (line != NULL) {
            (void)sscanf(line, "first-free=%lu second-free=%lu", &first_free, &second_free);
        }
        said = one_line(&output);
        wm_note(lesson, "The child said: %s", said);
        wm_value_hex(lesson, "double-free child's exit code", exit_code, NULL);
        caught = exit_code == EXIT_HEAP_CORRUPTION || exit_code == EXIT_ACCESS_VIOLATION ||
                 (exit_code == 0 && first_free == 0 && second_free != 0);
        wm_claim(lesson, NULL,
                 "The second HeapFree was caught: the child died, or HeapFree refused.", caught);
        wm_claim_or_deviation(lesson, NULL,
                              "With termination on corruption, the double free ended the child "
                              "with STATUS_HEAP_CORRUPTION.",
                              exit_code == EXIT_HEAP_CORRUPTION,
                              exit_code == 0 && first_free == 0 && second_free != 0,
                              &NO_TERMINATION_ON_CORRUPTION);
    }

    error = wm_heap_process(&process_heap);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_validate(process_heap, 0, NULL, &valid);
    }
    wm_claim_success(lesson, "HeapValidate(GetProcessHeap())", error);
    wm_claim(lesson, NULL, "This process's default heap is intact.", valid);
}

/* Child of step 8: overruns a block into the next busy block's header, validates, then (with
 * termination on corruption) frees the damaged block. The corrupted heap is never destroyed:
 * HeapDestroy would walk the broken structures. */
static int run_overrun_child(void)
{
    HANDLE heap = NULL;
    HANDLE quiet_heap = NULL;
    unsigned char *first = NULL;
    void *block = NULL;
    void *next = NULL;
    void *guard = NULL;
    size_t overrun = 0;
    int valid_free = 0;
    int valid_heap = 0;
    int valid_next = 0;
    DWORD error = ERROR_SUCCESS;

    /* First, in a heap of its own: three blocks, the middle one freed, then the first overrun
     * into the free block's header. */
    error = wm_heap_create(0, 0, 0, &quiet_heap);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(quiet_heap, 0, OVERRUN_BLOCK, &block);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(quiet_heap, 0, OVERRUN_BLOCK, &next);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(quiet_heap, 0, OVERRUN_BLOCK, &guard);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_free(quiet_heap, 0, next); /* next is now a free block */
    }
    if (error != ERROR_SUCCESS || next <= block ||
        (uintptr_t)next - (uintptr_t)block > OVERRUN_LAYOUT_MAX) {
        printf("layout=unexpected error=%lu\n", (unsigned long)error);
        return WM_EXIT_FAILED;
    }
    first = (unsigned char *)block;
    overrun = (size_t)((uintptr_t)next - (uintptr_t)block) - OVERRUN_BLOCK;
    memset(first + OVERRUN_BLOCK, 0xCC, overrun);
    (void)wm_heap_validate(quiet_heap, 0, NULL, &valid_free);
    printf("validate-free=%d\n", valid_free);
    fflush(stdout);

    /* Then the same overrun into a busy block's header. */
    error = wm_heap_create(0, 0, 0, &heap);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, OVERRUN_BLOCK, &block);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, OVERRUN_BLOCK, &next);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, OVERRUN_BLOCK, &guard); /* next keeps a busy neighbour */
    }
    if (error != ERROR_SUCCESS || next <= block ||
        (uintptr_t)next - (uintptr_t)block > OVERRUN_LAYOUT_MAX) {
        printf("layout=unexpected error=%lu\n", (unsigned long)error);
        return WM_EXIT_FAILED;
    }
    /* The bug: write from the end of block up to the first byte of next, which covers next's
     * header and nothing of its data. */
    first = (unsigned char *)block;
    overrun = (size_t)((uintptr_t)next - (uintptr_t)block) - OVERRUN_BLOCK;
    memset(first + OVERRUN_BLOCK, 0xCC, overrun);
    (void)wm_heap_validate(heap, 0, NULL, &valid_heap);
    (void)wm_heap_validate(heap, 0, next, &valid_next);
    printf("overrun=%zu validate-heap=%d validate-next=%d\n", overrun, valid_heap, valid_next);
    fflush(stdout);
    error = wm_heap_terminate_on_corruption();
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    error = wm_heap_free(heap, 0, next);
    printf("free-error=%lu\n", (unsigned long)error);
    fflush(stdout);
    /* Neither corrupted heap is destroyed: HeapDestroy would walk the broken structures. */
    return WM_EXIT_OK;
}

/* Child of step 8: frees one block twice, with termination on corruption enabled. */
static int run_double_free_child(void)
{
    HANDLE heap = NULL;
    void *block = NULL;
    void *neighbour = NULL;
    DWORD first_free = ERROR_SUCCESS;
    DWORD second_free = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;

    error = wm_heap_terminate_on_corruption();
    if (error == ERROR_SUCCESS) {
        error = wm_heap_create(0, 0, 0, &heap);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, 64, &block);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_heap_alloc(heap, 0, 64, &neighbour); /* block stays between two blocks */
    }
    if (error != ERROR_SUCCESS) {
        printf("setup-error=%lu\n", (unsigned long)error);
        return WM_EXIT_FAILED;
    }
    first_free = wm_heap_free(heap, 0, block);
    second_free = wm_heap_free(heap, 0, block); /* the bug */
    printf("first-free=%lu second-free=%lu\n", (unsigned long)first_free,
           (unsigned long)second_free);
    fflush(stdout);
    return WM_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Step 9. The front end.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_front_end(wm_lesson_t *lesson)
{
    HANDLE process_heap = NULL;
    HANDLE heap = NULL;
    HANDLE unserialized = NULL;
    ULONG process_front_end = 0;
    ULONG before = 0;
    ULONG after = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD refused = ERROR_SUCCESS;

    wm_step(lesson, "The front end: standard heap or Low-Fragmentation Heap",
            "Since Windows Vista a heap has two layers. The back end keeps free lists of blocks "
            "of any size, as seen so far. The Low-Fragmentation Heap (LFH) is a front end for "
            "blocks up to about 16 KB: it hands out a few predetermined sizes, each from "
            "buckets of equal slots, so blocks of one size class sit together and many threads "
            "allocating small blocks neither fragment the heap nor queue on one lock. Windows "
            "turns it on by itself where it helps; HeapQueryInformation says whether it is on "
            "(2), and HeapSetInformation asks for it. It is never used for HEAP_NO_SERIALIZE or "
            "fixed-size heaps, nor under a debugger's debug heap.");

    error = wm_heap_process(&process_heap);
    if (error == ERROR_SUCCESS) {
        error = wm_heap_front_end(process_heap, &process_front_end);
    }
    wm_claim_success(lesson, "HeapQueryInformation(GetProcessHeap())", error);
    wm_value_text(lesson, "the process heap's front end", front_end_name(process_front_end));

    error = wm_heap_create(0, 0, 0, &heap);
    wm_claim_success(lesson, "HeapCreate(0, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_heap_front_end(heap, &before);
    wm_claim_success(lesson, "HeapQueryInformation(new heap)", error);
    /* Low-fragmentation Heap (Microsoft Learn): since Vista the system enables the LFH as
     * needed; asking for it explicitly is still allowed and cannot be undone. */
    error = wm_heap_enable_low_frag(heap);
    wm_claim_success(lesson, "HeapSetInformation(HeapCompatibilityInformation, 2)", error);
    error = wm_heap_front_end(heap, &after);
    wm_claim_success(lesson, "HeapQueryInformation(new heap, again)", error);
    wm_value_text(lesson, "a new heap's front end", front_end_name(before));
    wm_value_text(lesson, "after asking for the LFH", front_end_name(after));
    /* Wine's kernel32/tests/heap.c, test_HeapCreate ("check setting LFH compat info"):
     * Windows answers 2 right after a successful set. */
    wm_claim_or_deviation(
        lesson, NULL, "After HeapSetInformation, HeapQueryInformation reports the LFH (2).",
        after == WM_HEAP_LOW_FRAG, error == ERROR_SUCCESS && after == WM_HEAP_STANDARD, &NO_LFH);
    error = wm_heap_destroy(heap);
    wm_claim_success(lesson, "HeapDestroy", error);

    error = wm_heap_create(HEAP_NO_SERIALIZE, /* no lock: one thread only */
                           0, 0, &unserialized);
    wm_claim_success(lesson, "HeapCreate(HEAP_NO_SERIALIZE, 0, 0)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    refused = wm_heap_enable_low_frag(unserialized);
    /* HeapSetInformation on Microsoft Learn; test_HeapCreate ("cannot set LFH with
     * HEAP_NO_SERIALIZE") sees ERROR_INVALID_PARAMETER. */
    wm_claim_or_deviation(lesson, NULL, "The LFH cannot be enabled on a HEAP_NO_SERIALIZE heap.",
                          refused != ERROR_SUCCESS, refused == ERROR_SUCCESS,
                          &LFH_ON_NO_SERIALIZE_ACCEPTED);
    error = wm_heap_destroy(unserialized);
    wm_claim_success(lesson, "HeapDestroy", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 10. Why heap operations can be slower.                                          */
/* ------------------------------------------------------------------------------------ */

/* Seconds between two QueryPerformanceCounter readings. */
static double elapsed_seconds(LARGE_INTEGER start, LARGE_INTEGER end, LARGE_INTEGER frequency)
{
    return (double)(end.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

static void show_heap_versus_bump(wm_lesson_t *lesson, uint64_t pairs)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER start;
    LARGE_INTEGER end;
    HANDLE heap = NULL;
    void *buffer = NULL;
    unsigned char *bump = NULL;
    unsigned char *previous = NULL;
    void *block = NULL;
    volatile unsigned char sink = 0;
    double heap_seconds = 0.0;
    double bump_seconds = 0.0;
    uint64_t failures = 0;
    uint64_t i = 0;
    SIZE_T buffer_size = (SIZE_T)(pairs * TIMED_SIZE);
    int adjacent = 1;
    BOOL freed = FALSE;
    DWORD error = ERROR_SUCCESS;
    char text[64];

    wm_step(lesson, "Why heap operations can be slower (a quick measurement)",
            "Each HeapAlloc finds a free block of the right size in the free lists, splits it, "
            "writes a header, and takes the heap's lock; each HeapFree writes the header back, "
            "merges the block with free neighbours and puts it on a list. A bump allocator in "
            "a pre-committed buffer does one addition: no header, no list, no lock, and no "
            "freeing one block at a time either. This is a quick timing of 64-byte blocks, "
            "not a benchmark: the numbers vary from run to run and machine to machine.");

    (void)QueryPerformanceFrequency(&frequency); /* cannot fail on Windows XP and later */
    error = wm_heap_create(0, 0, 0, &heap);
    if (error == ERROR_SUCCESS) {
        error = wm_vm_allocate(NULL, buffer_size, PAGE_READWRITE, &buffer);
    }
    wm_claim_success(lesson, "HeapCreate and VirtualAlloc of the bump buffer", error);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    /* Touch the buffer first, so the timing does not include first-touch page faults. */
    memset(buffer, 0, buffer_size);

    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < pairs; i++) {
        block = HeapAlloc(heap, 0, TIMED_SIZE);
        if (block == NULL) {
            failures++;
            continue;
        }
        ((unsigned char *)block)[0] = (unsigned char)i;
        freed = HeapFree(heap, 0, block);
        failures += freed ? 0u : 1u;
    }
    (void)QueryPerformanceCounter(&end);
    heap_seconds = elapsed_seconds(start, end, frequency);

    bump = (unsigned char *)buffer;
    (void)QueryPerformanceCounter(&start);
    for (i = 0; i < pairs; i++) {
        previous = bump;
        bump += TIMED_SIZE; /* the whole allocator */
        previous[0] = (unsigned char)i;
    }
    (void)QueryPerformanceCounter(&end);
    bump_seconds = elapsed_seconds(start, end, frequency);
    sink = ((unsigned char *)buffer)[0]; /* keep the writes observable */
    (void)sink;
    for (i = 1; i < pairs && adjacent; i++) {
        adjacent = ((unsigned char *)buffer)[i * TIMED_SIZE] == (unsigned char)i;
    }

    wm_value_count(lesson, "allocations timed", pairs, NULL);
    snprintf(text, sizeof text, "%.1f ns", heap_seconds * 1e9 / (double)pairs);
    wm_value_text(lesson, "HeapAlloc + HeapFree, per pair", text);
    snprintf(text, sizeof text, "%.2f ns", bump_seconds * 1e9 / (double)pairs);
    wm_value_text(lesson, "bump allocation, per block", text);
    if (bump_seconds > 0.0) {
        snprintf(text, sizeof text, "%.0fx (quick measurement)", heap_seconds / bump_seconds);
    } else {
        snprintf(text, sizeof text, "too fast to time: raise --pairs");
    }
    wm_value_text(lesson, "heap pair / bump ratio", text);

    wm_claim(lesson, NULL, "Every HeapAlloc succeeded and every HeapFree gave its block back.",
             failures == 0);
    wm_claim(lesson, NULL,
             "The bump allocator's blocks lie back to back, 64 bytes apart: no header, "
             "no overhead.",
             adjacent);

cleanup:
    if (buffer != NULL) {
        error = wm_vm_release(buffer);
        wm_claim_success(lesson, "VirtualFree of the bump buffer", error);
    }
    if (heap != NULL) {
        error = wm_heap_destroy(heap);
        wm_claim_success(lesson, "HeapDestroy", error);
    }
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

/* The hidden child modes: each prints one line on stdout and exits (or crashes). */
static int run_as_child(const wchar_t *mode)
{
    if (wcscmp(mode, CHILD_NO_MEMORY) == 0) {
        return run_no_memory_child(1);
    }
    if (wcscmp(mode, CHILD_CREATE_FLAG) == 0) {
        return run_no_memory_child(0);
    }
    if (wcscmp(mode, CHILD_OVERRUN) == 0) {
        return run_overrun_child();
    }
    if (wcscmp(mode, CHILD_DOUBLE_FREE) == 0) {
        return run_double_free_child();
    }
    fprintf(stderr, "%s: --child: unknown mode\n", DEMO_NAME);
    return WM_EXIT_USAGE;
}

/* --pairs must be between 1 and PAIRS_MAXIMUM: a usage error otherwise. */
static int check_pairs_option(const demo_config_t *config)
{
    if (config->pairs == 0 || config->pairs > PAIRS_MAXIMUM) {
        fprintf(stderr, "%s: --pairs: must be between 1 and %u\n", DEMO_NAME, PAIRS_MAXIMUM);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
}

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    const wm_option_spec_t extra[] = {
        {L"--pairs", WM_OPTION_UNSIGNED, &config.pairs, "N",
         "step 10: time N allocations (default 100000)"},
        {L"--child", WM_OPTION_TEXT, &config.mode, "MODE",
         NULL /* internal: steps 5 and 8 run a copy of this program with it */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;

    memset(&config, 0, sizeof config);
    config.pairs = PAIRS_DEFAULT;
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.mode != NULL) {
        return run_as_child(config.mode);
    }
    handled = check_pairs_option(&config);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, 10, &options, NULL, NULL);
    show_the_process_heaps(&lesson);
    show_blocks_and_overhead(&lesson);
    show_zeroing_and_realloc(&lesson);
    show_fragmentation(&lesson);
    show_fixed_size_heap(&lesson);
    show_large_blocks(&lesson);
    show_destroy_releases_everything(&lesson);
    show_corruption_safely(&lesson);
    show_front_end(&lesson);
    show_heap_versus_bump(&lesson, config.pairs);
    return wm_lesson_end(&lesson);
}
