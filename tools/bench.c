/*
 * bench.c - the benchmark: what the lessons' costs look like as numbers, side
 * by side.
 *
 * A tool, not a lesson: it makes no claims, it measures. Every variant runs
 * once per round, all of them interleaved, so a slow minute of the machine
 * hurts every variant alike; the first round is a warm-up and is thrown away;
 * each result is the median of the rounds, printed with the fastest and the
 * slowest round and a ratio to its baseline.
 *
 * What you will see when you run it:
 *   1. Allocators, for 16, 64, 256, 1024 and 4096-byte blocks, in two patterns
 * ("batch": allocate N, then free N; "steady": a table of live blocks where a
 * random one is freed and replaced, with a fixed-seed generator): the process
 * heap, a private heap, a private heap with HEAP_NO_SERIALIZE, the C runtime's
 * malloc, VirtualAlloc per object, the library's arena and a raw bump pointer
 * over committed memory (the limit). Nanoseconds per allocate + free, and the
 * ratio to the process heap.
 *   2. The library's wrappers against the raw calls they wrap.
 *   3. Memory: the first touch of a committed page against touching it again;
 * the same first touch through commit on demand (a fault, a handler, a commit);
 * VirtualAlloc + VirtualFree for sizes from a page to 16 MiB.
 *   4. Files: a sequential scan of a temp file (cached by the system) through
 * one view, through sliding views, with ReadFile into 64 KiB and 1 MiB
 * page-aligned buffers, against the same bytes in a page-aligned in-memory copy
 * (the bandwidth limit).
 *   5. The noise floor: three variants run twice in every round (A/A pairs);
 * how far the two copies of the same code differ is what this machine's noise
 * is, here and now.
 *   6. The targets, about what the library controls (the arena against the raw
 * bump pointer it wraps, the wrappers against the raw calls), each met, not
 * met, or "within noise" when the gap to the target is below the noise floor;
 * and the file scan as "which wins here, by how much" (views against ReadFile,
 * 1 MiB buffer). Reported, never asserted: timings belong to the machine, not
 * to the code.
 *
 * Run:  bench [--quick] [--json] [--csv FILE] [--svg FILE] [--file-size SIZE]
 * Docs: docs/benchmarks.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_json.h"
#include "wm_lesson.h"
#include "wm_svg.h"

#define DEMO_NAME "bench"
#define DEMO_TITLE                                                                                 \
    "Measures allocators, page touches, VirtualAlloc and file scans; reports medians, "            \
    "ratios, its own noise floor, and each target's verdict against it."

/* Rounds, the first of them a warm-up that is not recorded. Odd counts give a
 * true median. */
#define ROUNDS_QUICK 5    /* --quick: under 5 s, for ctest */
#define ROUNDS_DEFAULT 11 /* the default: under 60 s */
#define ROUNDS_MAX 11

/* Blocks per allocator run: enough that a run takes far longer than the timer's
 * tick (Wine's QueryPerformanceFrequency is 10 MHz: 100 ns). VirtualAlloc per
 * object costs microseconds, so it gets a sixteenth of the count. */
#define BLOCKS_QUICK 8192u
#define BLOCKS_DEFAULT 65536u
#define VIRTUALALLOC_SHARE 16u

/* The most bytes one allocator run may hold: the count shrinks for big blocks
 * to stay under it, so a run never measures paging instead of allocating. */
#define BUDGET_QUICK (16u * 1024u * 1024u)
#define BUDGET_DEFAULT (64u * 1024u * 1024u)

/* The steady pattern's table of live blocks. */
#define LIVE_BLOCKS 1024u

/* Every block is aligned as malloc aligns on x64 (16 bytes), so the arena and
 * the bump pointer do the same work the heaps do. */
#define BLOCK_ALIGNMENT 16u

/* The arena commits this much at a time. */
#define ARENA_CHUNK (1024u * 1024u)

/* The page-touch region, and the VirtualAlloc + VirtualFree pairs per run. */
#define TOUCH_QUICK (16u * 1024u * 1024u)
#define TOUCH_DEFAULT (64u * 1024u * 1024u)
#define PAIRS_QUICK 128u
#define PAIRS_DEFAULT 512u

/* The wrappers' VirtualAlloc size: the allocation granularity, the smallest
 * reservation. */

/* The scanned file: --file-size, within these limits. */
#define FILE_SIZE_QUICK (16ull * 1024 * 1024)
#define FILE_SIZE_DEFAULT (128ull * 1024 * 1024)
#define FILE_SIZE_MIN (1ull * 1024 * 1024)
#define FILE_SIZE_MAX (4ull * 1024 * 1024 * 1024)
#define FILE_SIZE_UNSET UINT64_MAX /* no --file-size: the mode's default */
#define READ_SMALL (64u * 1024u)   /* ReadFile's small buffer: 64 KiB */
#define READ_LARGE (1024u * 1024u) /* ... and the large one: 1 MiB */
#define SLIDING_VIEW_GRANULES 16u  /* a sliding view is 16 granules: 1 MiB on x64 */
#define FILL_CHUNK (1024u * 1024u) /* the temp file is written this much at a time */

/* The targets (issue 17): only what the library controls. How fast a heap or a
 * file system is belongs to the machine; the arena's few instructions over a
 * bump pointer, and what a wrapper adds to the call it wraps, belong to the
 * library. */
#define TARGET_ARENA_TO_BUMP 1.15    /* the arena within 1.15x of the raw bump pointer */
#define TARGET_WRAPPER_OVERHEAD 0.03 /* the library's wrappers within 3% of the raw calls */

/* The bar chart's geometry, in SVG user units: the allocators in two columns
 * (batch, steady), a panel per block size in each; the other groups below, a
 * panel each. */
#define SVG_WIDTH 1300
#define SVG_COLUMN_WIDTH 650 /* a column: its labels, then its plot */
#define SVG_LABEL_WIDTH 280  /* room for the longest label, "wm_vm_allocate + ..., 64 KiB" */
#define SVG_ROW_HEIGHT 16
#define SVG_HEADING_HEIGHT 30 /* a panel's heading above its bars */
#define SVG_TOP 70
#define SVG_DECADE_LOW (-3) /* the axis runs from 10^-3 ... */
#define SVG_DECADE_HIGH 3   /* ... to 10^3 */
#define CSV_LINE_MAX 512    /* the longest line the CSV writes */

#define RESULTS_MAX 96

/* What a measurement does. */
typedef enum bench_kind_e
{
    KIND_ALLOCATOR,     /* variant, size, pattern */
    KIND_WRAP_HEAP_RAW, /* HeapAlloc + HeapFree, 64 bytes */
    KIND_WRAP_HEAP_LIB, /* wm_heap_alloc + wm_heap_free */
    KIND_WRAP_VM_RAW,   /* VirtualAlloc + VirtualFree, one granule */
    KIND_WRAP_VM_LIB,   /* wm_vm_allocate + wm_vm_release */
    KIND_FIRST_TOUCH,   /* write one byte per fresh committed page */
    KIND_RETOUCH,       /* ... and again */
    KIND_COD_TOUCH,     /* first touch of pages committed on demand */
    KIND_VA_PAIR,       /* VirtualAlloc + VirtualFree of size */
    KIND_SCAN_COPY,     /* scan the in-memory copy */
    KIND_SCAN_ONE_VIEW, /* scan through one view of the whole file */
    KIND_SCAN_SLIDING,  /* scan through sliding views */
    KIND_SCAN_READ      /* scan with ReadFile into a buffer of size bytes */
} bench_kind_t;

/* The allocators of group 1. */
typedef enum bench_allocator_e
{
    ALLOC_PROCESS_HEAP,
    ALLOC_PRIVATE_HEAP,
    ALLOC_NO_SERIALIZE,
    ALLOC_CRT_MALLOC,
    ALLOC_VIRTUALALLOC,
    ALLOC_ARENA,
    ALLOC_BUMP,
    ALLOC_COUNT
} bench_allocator_t;

static const char *const allocator_names[ALLOC_COUNT] = {"process heap",
                                                         "private heap",
                                                         "private heap, HEAP_NO_SERIALIZE",
                                                         "CRT malloc",
                                                         "VirtualAlloc per object",
                                                         "arena (wm_arena_alloc)",
                                                         "raw bump pointer"};

static const SIZE_T block_sizes[] = {16, 64, 256, 1024, 4096};
#define BLOCK_SIZE_COUNT (sizeof block_sizes / sizeof block_sizes[0])

/* VirtualAlloc + VirtualFree sizes, in pages: one page, 16, 256 and 4096 pages
 * (64 KiB, 1 MiB and 16 MiB with 4 KiB pages). */
static const SIZE_T pair_pages[] = {1, 16, 256, 4096};
#define PAIR_SIZE_COUNT (sizeof pair_pages / sizeof pair_pages[0])

typedef enum bench_pattern_e
{
    PATTERN_NONE,
    PATTERN_BATCH, /* allocate N, then free N */
    PATTERN_STEADY /* replace a random live block, N times */
} bench_pattern_t;

static const char *const pattern_names[] = {"", "batch", "steady"};

/* One measured variant and its rounds. */
typedef struct bench_result_s
{
    bench_kind_t kind;
    bench_allocator_t allocator; /* KIND_ALLOCATOR only */
    bench_pattern_t pattern;     /* KIND_ALLOCATOR only */
    SIZE_T size;                 /* block, region, buffer or pair size; 0 when none */
    const char *group;           /* "allocators", "wrappers", "memory", "files" */
    const char *variant;         /* what ran */
    const char *unit;            /* "ns/op", "ns/page", "MB/s" */
    int baseline;                /* index of the result the ratio is against, or -1 */
    int copy_of;                 /* an A/A copy: the index of the result it repeats; else -1 */
    double samples[ROUNDS_MAX];  /* one per recorded round */
    unsigned sample_count;
    double median; /* of the samples */
    double minimum;
    double maximum;
    double ratio; /* median / baseline's median; 0 without a baseline */
} bench_result_t;

/* One A/A pair: a variant and its copy, run in the same rounds. */
typedef struct bench_noise_s
{
    const char *name; /* which pair: "allocators", "wrappers", "files" */
    int original;     /* index of the variant */
    int copy;         /* index of its copy */
    double floor;     /* median over the rounds of |copy / original - 1|: a fraction */
} bench_noise_t;

#define NOISE_COUNT 3

/* One target or comparison, as measured. */
typedef struct bench_target_s
{
    const char *name;  /* what is compared, and against what */
    const char *value; /* how the measured value reads */
    double measured;   /* the worst case over what it covers */
    double limit;      /* the target, in the same unit; 0 for a comparison (no target) */
    double noise;      /* the noise floor that applies, in the same unit */
    char verdict[64];  /* "met", "not met", "within noise", or who wins by how much
                        */
} bench_target_t;

#define TARGET_COUNT 4

/* Everything a run needs. Owned by wmain; released at its cleanup label. */
typedef struct bench_s
{
    int quick;          /* --quick */
    unsigned rounds;    /* including the warm-up */
    SIZE_T blocks;      /* N for the allocators */
    SIZE_T budget;      /* the most bytes one allocator run holds */
    SIZE_T touch_bytes; /* the page-touch region */
    SIZE_T pairs;       /* VirtualAlloc + VirtualFree pairs per run */
    ULONGLONG file_size;
    wm_system_t system;
    wm_runtime_t runtime;
    LARGE_INTEGER frequency; /* QueryPerformanceFrequency */
    uint64_t rng;            /* the steady pattern's generator state */

    void **slots;                /* blocks live in a run: blocks + LIVE_BLOCKS entries */
    HANDLE process_heap;         /* GetProcessHeap: never destroyed */
    HANDLE private_heap;         /* HeapCreate(0): destroyed at the end */
    HANDLE no_serialize_heap;    /* HeapCreate(HEAP_NO_SERIALIZE) */
    wm_arena_t arena;            /* the library's arena */
    unsigned char *bump_base;    /* committed memory for the raw bump pointer */
    SIZE_T bump_capacity;        /* its size */
    HANDLE temp_file;            /* the scanned file, FILE_FLAG_DELETE_ON_CLOSE */
    wchar_t temp_path[MAX_PATH]; /* its name */
    wm_mapped_file_t mapped;     /* the file mapped read-only */
    unsigned char *copy;         /* the file's bytes in memory, page-aligned */
    unsigned char *read_buffer;  /* ReadFile's buffer, page-aligned, READ_LARGE bytes */
    uint64_t file_sum;           /* every scan must find this sum */

    bench_result_t results[RESULTS_MAX];
    size_t result_count;
    bench_noise_t noise[NOISE_COUNT];
    bench_target_t targets[TARGET_COUNT];

    DWORD error;       /* the first failure, or ERROR_SUCCESS */
    const char *where; /* which call failed */
} bench_t;

/* The command line. */
typedef struct bench_config_s
{
    int quick;
    const wchar_t *csv_path; /* --csv FILE, or NULL */
    const wchar_t *svg_path; /* --svg FILE, or NULL */
    uint64_t file_size;      /* --file-size, or FILE_SIZE_UNSET */
} bench_config_t;

/* ------------------------------------------------------------------------------------
 */
/* Helpers. */
/* ------------------------------------------------------------------------------------
 */

/* Records the first failure only: later ones are consequences. */
static void fail(bench_t *bench, const char *where, DWORD error)
{
    if (bench->error == ERROR_SUCCESS) {
        bench->error = error == ERROR_SUCCESS ? ERROR_GEN_FAILURE : error;
        bench->where = where;
    }
}

static LONGLONG ticks_now(void)
{
    LARGE_INTEGER now;

    QueryPerformanceCounter(&now); /* never fails on Windows XP and later */
    return now.QuadPart;
}

static double ticks_to_ns(const bench_t *bench, LONGLONG ticks)
{
    return (double)ticks * 1e9 / (double)bench->frequency.QuadPart;
}

/* xorshift64: deterministic, so every variant replaces the same blocks in the
 * same order. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* The generator's seed: any non-zero constant. */
#define RNG_SEED 0x9E3779B97F4A7C15ull

static void write_stdout(void *context, const char *bytes, size_t length)
{
    (void)context;
    fwrite(bytes, 1, length, stdout);
}

/* Sums bytes as 64-bit words (memcpy keeps it defined C; compilers make it one
 * load). */
static uint64_t scan_sum(const unsigned char *bytes, SIZE_T length)
{
    uint64_t sum = 0;
    uint64_t word = 0;
    SIZE_T i = 0;

    for (i = 0; i + sizeof word <= length; i += sizeof word) {
        memcpy(&word, bytes + i, sizeof word);
        sum += word;
    }
    for (; i < length; i++) {
        sum += bytes[i];
    }
    return sum;
}

/* ------------------------------------------------------------------------------------
 */
/* Group 1: allocators. */
/* ------------------------------------------------------------------------------------
 */

/* One allocation by a general-purpose allocator; NULL on failure (the error is
 * recorded). */
static void *general_alloc(bench_t *bench, bench_allocator_t allocator, SIZE_T size)
{
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;

    switch (allocator) {
    case ALLOC_PROCESS_HEAP:
        block = HeapAlloc(bench->process_heap, 0 /* no flags: not zeroed */, size);
        break;
    case ALLOC_PRIVATE_HEAP:
        block = HeapAlloc(bench->private_heap, 0 /* no flags */, size);
        break;
    case ALLOC_NO_SERIALIZE:
        block = HeapAlloc(bench->no_serialize_heap, 0 /* the heap has HEAP_NO_SERIALIZE */, size);
        break;
    case ALLOC_CRT_MALLOC:
        block = malloc(size);
        break;
    default:
        block = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, /* one region per block */
                             PAGE_READWRITE);
        break;
    }
    if (block == NULL) {
        error = GetLastError(); /* malloc sets errno, not the last error: then it is
                                   stale */
        fail(bench, allocator_names[allocator],
             allocator == ALLOC_CRT_MALLOC ? ERROR_NOT_ENOUGH_MEMORY : error);
    }
    return block;
}

/* Frees one block the way it was allocated (HeapFree on Microsoft Learn: only
 * the heap that allocated a block may free it; VirtualFree with MEM_RELEASE
 * wants the base and size 0). */
static void general_free(bench_t *bench, bench_allocator_t allocator, void *block)
{
    BOOL freed = TRUE;
    DWORD error = ERROR_SUCCESS;

    switch (allocator) {
    case ALLOC_PROCESS_HEAP:
        freed = HeapFree(bench->process_heap, 0 /* no flags */, block);
        break;
    case ALLOC_PRIVATE_HEAP:
        freed = HeapFree(bench->private_heap, 0 /* no flags */, block);
        break;
    case ALLOC_NO_SERIALIZE:
        freed = HeapFree(bench->no_serialize_heap, 0 /* no flags */, block);
        break;
    case ALLOC_CRT_MALLOC:
        free(block);
        break;
    default:
        freed = VirtualFree(block, 0, MEM_RELEASE); /* 0: the whole region */
        break;
    }
    if (!freed) {
        error = GetLastError();
        fail(bench, allocator_names[allocator], error);
    }
}

/* How many blocks one run uses: N, fewer for big blocks (the budget), fewer
 * still for VirtualAlloc per object. */
static SIZE_T run_blocks(const bench_t *bench, bench_allocator_t allocator, SIZE_T size)
{
    SIZE_T blocks = bench->blocks;

    if (blocks > bench->budget / size) {
        blocks = bench->budget / size;
    }
    if (allocator == ALLOC_VIRTUALALLOC) {
        blocks /= VIRTUALALLOC_SHARE;
    }
    return blocks;
}

/* Batch: allocate n blocks (writing one byte of each, as a user would), then
 * free them. */
static double run_general_batch(bench_t *bench, bench_allocator_t allocator, SIZE_T size)
{
    SIZE_T blocks = run_blocks(bench, allocator, size);
    SIZE_T i = 0;
    unsigned char *block = NULL;
    LONGLONG start = ticks_now();

    for (i = 0; i < blocks && bench->error == ERROR_SUCCESS; i++) {
        block = (unsigned char *)general_alloc(bench, allocator, size);
        if (block != NULL) {
            block[0] = (unsigned char)i;
        }
        bench->slots[i] = block;
    }
    for (i = 0; i < blocks; i++) {
        if (bench->slots[i] != NULL) {
            general_free(bench, allocator, bench->slots[i]);
        }
        bench->slots[i] = NULL;
    }
    LONGLONG stop = ticks_now();

    return ticks_to_ns(bench, stop - start) / (double)blocks;
}

/* Steady: LIVE_BLOCKS live blocks (allocated before the clock starts); n times,
 * free a random one and allocate its replacement; the table is drained after
 * the clock stops. */
static double run_general_steady(bench_t *bench, bench_allocator_t allocator, SIZE_T size)
{
    SIZE_T blocks = run_blocks(bench, allocator, size);
    SIZE_T live = blocks < LIVE_BLOCKS ? blocks : LIVE_BLOCKS;
    SIZE_T i = 0;
    SIZE_T slot = 0;
    unsigned char *block = NULL;
    LONGLONG start = 0;
    LONGLONG stop = 0;

    bench->rng = RNG_SEED;
    for (i = 0; i < live && bench->error == ERROR_SUCCESS; i++) {
        bench->slots[i] = general_alloc(bench, allocator, size);
    }
    start = ticks_now();
    for (i = 0; i < blocks && bench->error == ERROR_SUCCESS; i++) {
        slot = (SIZE_T)(next_random(&bench->rng) % live);
        general_free(bench, allocator, bench->slots[slot]);
        block = (unsigned char *)general_alloc(bench, allocator, size);
        if (block != NULL) {
            block[0] = (unsigned char)i;
        }
        bench->slots[slot] = block;
    }
    stop = ticks_now();
    for (i = 0; i < live; i++) {
        if (bench->slots[i] != NULL) {
            general_free(bench, allocator, bench->slots[i]);
        }
        bench->slots[i] = NULL;
    }
    return ticks_to_ns(bench, stop - start) / (double)blocks;
}

/* The arena: its inline fast path, called directly (no function pointer in
 * between), so what is measured is what a program gets. "Free" is one reset
 * that keeps the pages. */
static double run_arena(bench_t *bench, SIZE_T size, bench_pattern_t pattern)
{
    SIZE_T blocks = run_blocks(bench, ALLOC_ARENA, size);
    SIZE_T live = blocks < LIVE_BLOCKS ? blocks : LIVE_BLOCKS;
    SIZE_T i = 0;
    SIZE_T slot = 0;
    void *block = NULL;
    DWORD error = ERROR_SUCCESS;
    LONGLONG start = 0;
    LONGLONG stop = 0;

    bench->rng = RNG_SEED;
    if (pattern == PATTERN_STEADY) {
        for (i = 0; i < live && error == ERROR_SUCCESS; i++) {
            error = wm_arena_alloc(&bench->arena, size, BLOCK_ALIGNMENT, &bench->slots[i]);
        }
    }
    start = ticks_now();
    for (i = 0; i < blocks && error == ERROR_SUCCESS; i++) {
        error = wm_arena_alloc(&bench->arena, size, BLOCK_ALIGNMENT, &block);
        if (error == ERROR_SUCCESS) {
            ((unsigned char *)block)[0] = (unsigned char)i;
        }
        slot = pattern == PATTERN_STEADY ? (SIZE_T)(next_random(&bench->rng) % live) : i;
        bench->slots[slot] = block; /* the arena never frees one block: the slot is reused */
    }
    if (error == ERROR_SUCCESS) {
        error = wm_arena_reset(&bench->arena, 1 /* keep the pages: the next run reuses them */);
    }
    stop = ticks_now();
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_arena_alloc", error);
    }
    return ticks_to_ns(bench, stop - start) / (double)blocks;
}

/* The limit: a pointer bumped through memory committed (and touched) in
 * advance, with the same alignment and bounds check as the arena, and nothing
 * else. */
static double run_bump(bench_t *bench, SIZE_T size, bench_pattern_t pattern)
{
    SIZE_T blocks = run_blocks(bench, ALLOC_BUMP, size);
    SIZE_T live = blocks < LIVE_BLOCKS ? blocks : LIVE_BLOCKS;
    uintptr_t next = (uintptr_t)bench->bump_base;
    uintptr_t end = next + bench->bump_capacity;
    uintptr_t start_address = 0;
    SIZE_T i = 0;
    SIZE_T slot = 0;
    int full = 0;
    LONGLONG start = 0;
    LONGLONG stop = 0;

    bench->rng = RNG_SEED;
    if (pattern == PATTERN_STEADY) {
        next += live * size; /* the live table's blocks, as the arena allocates them */
    }
    start = ticks_now();
    for (i = 0; i < blocks && !full; i++) {
        start_address = (next + (BLOCK_ALIGNMENT - 1)) & ~(uintptr_t)(BLOCK_ALIGNMENT - 1);
        if (start_address + size > end) {
            full = 1;
            break;
        }
        next = start_address + size;
        ((unsigned char *)start_address)[0] = (unsigned char)i;
        slot = pattern == PATTERN_STEADY ? (SIZE_T)(next_random(&bench->rng) % live) : i;
        bench->slots[slot] = (void *)start_address;
    }
    stop = ticks_now();
    if (full) {
        fail(bench, "the bump pointer's memory", ERROR_NOT_ENOUGH_MEMORY);
    }
    return ticks_to_ns(bench, stop - start) / (double)blocks;
}

static double run_allocator(bench_t *bench, const bench_result_t *result)
{
    if (result->allocator == ALLOC_ARENA) {
        return run_arena(bench, result->size, result->pattern);
    }
    if (result->allocator == ALLOC_BUMP) {
        return run_bump(bench, result->size, result->pattern);
    }
    if (result->pattern == PATTERN_BATCH) {
        return run_general_batch(bench, result->allocator, result->size);
    }
    return run_general_steady(bench, result->allocator, result->size);
}

/* ------------------------------------------------------------------------------------
 */
/* Group 2: the library's wrappers against the raw calls. */
/* ------------------------------------------------------------------------------------
 */

/* The wrapper pairs run the batch pattern; heap blocks are 64 bytes. */
#define WRAP_HEAP_SIZE 64u

static double run_wrap_heap(bench_t *bench, int library)
{
    SIZE_T blocks = bench->blocks;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL freed = TRUE;
    LONGLONG start = ticks_now();

    for (i = 0; i < blocks && error == ERROR_SUCCESS; i++) {
        if (library) {
            error = wm_heap_alloc(bench->process_heap, 0 /* no flags */, WRAP_HEAP_SIZE,
                                  &bench->slots[i]);
        } else {
            bench->slots[i] = HeapAlloc(bench->process_heap, 0 /* no flags */, WRAP_HEAP_SIZE);
            error = bench->slots[i] == NULL ? ERROR_NOT_ENOUGH_MEMORY : ERROR_SUCCESS;
        }
    }
    blocks = i;
    for (i = 0; i < blocks; i++) {
        if (bench->slots[i] == NULL) {
            continue;
        }
        if (library) {
            error = wm_heap_free(bench->process_heap, 0 /* no flags */, bench->slots[i]);
        } else {
            freed = HeapFree(bench->process_heap, 0 /* no flags */, bench->slots[i]);
            if (!freed) {
                error = GetLastError();
            }
        }
        bench->slots[i] = NULL;
    }
    if (error != ERROR_SUCCESS) {
        fail(bench, library ? "wm_heap_alloc/wm_heap_free" : "HeapAlloc/HeapFree", error);
    }
    LONGLONG stop = ticks_now();

    return ticks_to_ns(bench, stop - start) / (double)(blocks == 0 ? 1 : blocks);
}

static double run_wrap_vm(bench_t *bench, int library)
{
    SIZE_T size = bench->system.allocation_granularity;
    SIZE_T i = 0;
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;
    BOOL freed = TRUE;
    LONGLONG start = ticks_now();

    for (i = 0; i < bench->pairs && error == ERROR_SUCCESS; i++) {
        if (library) {
            error = wm_vm_allocate(NULL, size, PAGE_READWRITE, &base);
            if (error == ERROR_SUCCESS) {
                error = wm_vm_release(base);
            }
            continue;
        }
        base = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, /* both in one call */
                            PAGE_READWRITE);
        if (base == NULL) {
            error = GetLastError();
            break;
        }
        freed = VirtualFree(base, 0, MEM_RELEASE); /* 0: the whole reservation */
        if (!freed) {
            error = GetLastError();
        }
    }
    if (error != ERROR_SUCCESS) {
        fail(bench, library ? "wm_vm_allocate/wm_vm_release" : "VirtualAlloc/VirtualFree", error);
    }
    LONGLONG stop = ticks_now();

    return ticks_to_ns(bench, stop - start) / (double)bench->pairs;
}

/* ------------------------------------------------------------------------------------
 */
/* Group 3: memory. */
/* ------------------------------------------------------------------------------------
 */

/* Touches (writes) one byte per page of region; returns ns per page. */
static double touch_pages(bench_t *bench, unsigned char *region, SIZE_T size)
{
    SIZE_T page = bench->system.page_size;
    SIZE_T offset = 0;
    LONGLONG start = ticks_now();

    for (offset = 0; offset < size; offset += page) {
        region[offset] = (unsigned char)offset;
    }
    LONGLONG stop = ticks_now();

    return ticks_to_ns(bench, stop - start) / (double)(size / page);
}

/* A fresh committed region; first touch (retouch 0) or second touch (retouch
 * 1). */
static double run_touch(bench_t *bench, int retouch)
{
    DWORD error = ERROR_SUCCESS;
    unsigned char *region = NULL;
    double ns = 0.0;
    BOOL freed = FALSE;

    region = (unsigned char *)VirtualAlloc(NULL, bench->touch_bytes,
                                           MEM_RESERVE | MEM_COMMIT, /* committed, untouched */
                                           PAGE_READWRITE);
    if (region == NULL) {
        error = GetLastError();
        fail(bench, "VirtualAlloc (touch region)", error);
        return 0.0;
    }
    ns = touch_pages(bench, region, bench->touch_bytes);
    if (retouch) {
        ns = touch_pages(bench, region, bench->touch_bytes);
    }
    freed = VirtualFree(region, 0, MEM_RELEASE); /* 0: the whole reservation */
    if (!freed) {
        error = GetLastError();
        fail(bench, "VirtualFree (touch region)", error);
    }
    return ns;
}

/* The same first touch, through the library's commit on demand: each page is a
 * fault, the vectored handler's commit, and the instruction again. */
static double run_cod_touch(bench_t *bench)
{
    wm_commit_on_demand_region_t region;
    double ns = 0.0;
    DWORD error = ERROR_SUCCESS;

    error = wm_commit_on_demand_create(bench->touch_bytes, 0 /* no commit limit */, &region);
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_commit_on_demand_create", error);
        return 0.0;
    }
    ns = touch_pages(bench, (unsigned char *)region.base, bench->touch_bytes);
    error = wm_commit_on_demand_destroy(&region);
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_commit_on_demand_destroy", error);
    }
    return ns;
}

/* VirtualAlloc (reserve + commit, never touched) and VirtualFree of size, pairs
 * times. */
static double run_va_pair(bench_t *bench, SIZE_T size)
{
    DWORD error = ERROR_SUCCESS;
    SIZE_T i = 0;
    void *base = NULL;
    BOOL freed = TRUE;
    LONGLONG start = ticks_now();

    for (i = 0; i < bench->pairs; i++) {
        base = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, /* both in one call */
                            PAGE_READWRITE);
        if (base == NULL) {
            error = GetLastError();
            fail(bench, "VirtualAlloc (pairs)", error);
            break;
        }
        freed = VirtualFree(base, 0, MEM_RELEASE); /* 0: the whole reservation */
        if (!freed) {
            error = GetLastError();
            fail(bench, "VirtualFree (pairs)", error);
            break;
        }
    }
    LONGLONG stop = ticks_now();

    return ticks_to_ns(bench, stop - start) / (double)bench->pairs;
}

/* ------------------------------------------------------------------------------------
 */
/* Group 4: files. */
/* ------------------------------------------------------------------------------------
 */

/* Megabytes (10^6 bytes) per second for size bytes in ticks. */
static double megabytes_per_second(const bench_t *bench, ULONGLONG size, LONGLONG ticks)
{
    double seconds = ticks_to_ns(bench, ticks) / 1e9;

    return seconds > 0.0 ? (double)size / 1e6 / seconds : 0.0;
}

/* Checks a scan's sum against the copy's: every variant must read the same
 * bytes. */
static void check_sum(bench_t *bench, const char *variant, uint64_t sum)
{
    if (sum != bench->file_sum) {
        fail(bench, variant, ERROR_INVALID_DATA);
    }
}

static double run_scan_copy(bench_t *bench)
{
    LONGLONG start = ticks_now();
    uint64_t sum = scan_sum(bench->copy, (SIZE_T)bench->file_size);
    LONGLONG stop = ticks_now();

    check_sum(bench, "the copy's scan", sum);
    return megabytes_per_second(bench, bench->file_size, stop - start);
}

/* One view of the whole file: mapping and unmapping are part of the cost. */
static double run_scan_one_view(bench_t *bench)
{
    wm_view_t view;
    uint64_t sum = 0;
    DWORD error = ERROR_SUCCESS;
    LONGLONG start = ticks_now();
    LONGLONG stop = 0;

    error = wm_mapped_file_view(&bench->mapped, 0, 0 /* the whole file */, &view);
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_mapped_file_view (one view)", error);
        return 0.0;
    }
    sum = scan_sum(view.data, (SIZE_T)bench->file_size);
    error = wm_view_unmap(&view);
    stop = ticks_now();
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_view_unmap (one view)", error);
    }
    check_sum(bench, "the one-view scan", sum);
    return megabytes_per_second(bench, bench->file_size, stop - start);
}

/* wm_mapped_file_walk's callback: adds a view's bytes to the sum. */
static int sum_chunk(void *context, ULONGLONG offset, const unsigned char *bytes, SIZE_T length)
{
    uint64_t *sum = (uint64_t *)context;

    (void)offset;
    *sum += scan_sum(bytes, length);
    return 0;
}

static double run_scan_sliding(bench_t *bench)
{
    uint64_t sum = 0;
    SIZE_T view_size = (SIZE_T)bench->system.allocation_granularity * SLIDING_VIEW_GRANULES;
    DWORD error = ERROR_SUCCESS;
    LONGLONG start = ticks_now();
    LONGLONG stop = 0;

    error = wm_mapped_file_walk(&bench->mapped, view_size, sum_chunk, &sum);
    stop = ticks_now();
    if (error != ERROR_SUCCESS) {
        fail(bench, "wm_mapped_file_walk", error);
    }
    check_sum(bench, "the sliding-view scan", sum);
    return megabytes_per_second(bench, bench->file_size, stop - start);
}

/* ReadFile from the start into the page-aligned buffer, chunk bytes at a time.
 */
static double run_scan_read(bench_t *bench, SIZE_T chunk)
{
    DWORD error = ERROR_SUCCESS;
    LARGE_INTEGER zero;
    uint64_t sum = 0;
    DWORD got = 0;
    BOOL ok = FALSE;
    LONGLONG start = ticks_now();
    LONGLONG stop = 0;

    zero.QuadPart = 0;
    ok = SetFilePointerEx(bench->temp_file, zero, NULL, FILE_BEGIN); /* from the start */
    if (!ok) {
        error = GetLastError();
        fail(bench, "SetFilePointerEx", error);
        return 0.0;
    }
    for (;;) {
        ok = ReadFile(bench->temp_file, bench->read_buffer, (DWORD)chunk, &got, NULL);
        if (!ok) {
            error = GetLastError();
            fail(bench, "ReadFile", error);
            return 0.0;
        }
        if (got == 0) {
            break; /* end of file */
        }
        sum += scan_sum(bench->read_buffer, got);
    }
    stop = ticks_now();
    check_sum(bench, "the ReadFile scan", sum);
    return megabytes_per_second(bench, bench->file_size, stop - start);
}

/* ------------------------------------------------------------------------------------
 */
/* Set-up and release. */
/* ------------------------------------------------------------------------------------
 */

static int add_result(bench_t *bench, bench_kind_t kind, const char *group, const char *variant,
                      SIZE_T size, const char *unit, int baseline)
{
    bench_result_t *result = &bench->results[bench->result_count];

    memset(result, 0, sizeof *result);
    result->kind = kind;
    result->group = group;
    result->variant = variant;
    result->size = size;
    result->unit = unit;
    result->baseline = baseline;
    result->copy_of = -1;
    bench->result_count++;
    return (int)(bench->result_count - 1);
}

/* Adds the A/A copy of result original (the same code, measured again in every
 * round) and records the pair as bench->noise[slot]. The copy's ratio is to its
 * original. */
static void add_copy(bench_t *bench, size_t slot, const char *name, int original,
                     const char *variant)
{
    const bench_result_t *source = &bench->results[original];
    int copy = add_result(bench, source->kind, source->group, variant, source->size, source->unit,
                          original);

    bench->results[copy].allocator = source->allocator;
    bench->results[copy].pattern = source->pattern;
    bench->results[copy].copy_of = original;
    bench->noise[slot].name = name;
    bench->noise[slot].original = original;
    bench->noise[slot].copy = copy;
}

/* The list of measurements, in the order each round runs them. */
static void plan(bench_t *bench)
{
    size_t s = 0;
    int p = 0;
    int a = 0;
    int baseline = 0;
    int index = 0;
    int bump_64 = 0; /* the raw bump pointer, batch, 64 bytes: the allocators' A/A pair */

    for (p = PATTERN_BATCH; p <= PATTERN_STEADY; p++) {
        for (s = 0; s < BLOCK_SIZE_COUNT; s++) {
            baseline = (int)bench->result_count; /* the process heap comes first */
            for (a = 0; a < ALLOC_COUNT; a++) {
                index = add_result(bench, KIND_ALLOCATOR, "allocators", allocator_names[a],
                                   block_sizes[s], "ns/op", a == 0 ? -1 : baseline);
                bench->results[index].allocator = (bench_allocator_t)a;
                bench->results[index].pattern = (bench_pattern_t)p;
                if (a == ALLOC_BUMP && p == PATTERN_BATCH && block_sizes[s] == 64) {
                    bump_64 = index;
                }
            }
        }
    }
    add_copy(bench, 0, "allocators", bump_64, "raw bump pointer (A/A copy)");
    baseline = add_result(bench, KIND_WRAP_HEAP_RAW, "wrappers", "HeapAlloc + HeapFree",
                          WRAP_HEAP_SIZE, "ns/op", -1);
    add_copy(bench, 1, "wrappers", baseline, "HeapAlloc + HeapFree (A/A copy)");
    (void)add_result(bench, KIND_WRAP_HEAP_LIB, "wrappers", "wm_heap_alloc + wm_heap_free",
                     WRAP_HEAP_SIZE, "ns/op", baseline);
    baseline = add_result(bench, KIND_WRAP_VM_RAW, "wrappers", "VirtualAlloc + VirtualFree",
                          bench->system.allocation_granularity, "ns/op", -1);
    (void)add_result(bench, KIND_WRAP_VM_LIB, "wrappers", "wm_vm_allocate + wm_vm_release",
                     bench->system.allocation_granularity, "ns/op", baseline);

    baseline = add_result(bench, KIND_RETOUCH, "memory", "re-touch a page", bench->touch_bytes,
                          "ns/page", -1);
    index = add_result(bench, KIND_FIRST_TOUCH, "memory", "first touch of a committed page",
                       bench->touch_bytes, "ns/page", baseline);
    (void)add_result(bench, KIND_COD_TOUCH, "memory", "first touch, commit on demand",
                     bench->touch_bytes, "ns/page", index);
    baseline = (int)bench->result_count;
    for (s = 0; s < PAIR_SIZE_COUNT; s++) {
        (void)add_result(bench, KIND_VA_PAIR, "memory", "VirtualAlloc + VirtualFree",
                         pair_pages[s] * bench->system.page_size, "ns/op", s == 0 ? -1 : baseline);
    }

    baseline = add_result(bench, KIND_SCAN_COPY, "files", "in-memory copy (the limit)",
                          (SIZE_T)bench->file_size, "MB/s", -1);
    (void)add_result(bench, KIND_SCAN_ONE_VIEW, "files", "one view", (SIZE_T)bench->file_size,
                     "MB/s", baseline);
    (void)add_result(bench, KIND_SCAN_SLIDING, "files", "sliding views",
                     (SIZE_T)bench->system.allocation_granularity * SLIDING_VIEW_GRANULES, "MB/s",
                     baseline);
    (void)add_result(bench, KIND_SCAN_READ, "files", "ReadFile, 64 KiB buffer", READ_SMALL, "MB/s",
                     baseline);
    index = add_result(bench, KIND_SCAN_READ, "files", "ReadFile, 1 MiB buffer", READ_LARGE, "MB/s",
                       baseline);
    add_copy(bench, 2, "files", index, "ReadFile, 1 MiB buffer (A/A copy)");
}

/* Makes the temp file (deleted when its handle closes, even if the process is
 * killed), fills it, maps it read-only, and makes the in-memory copy. */
static DWORD make_file(bench_t *bench)
{
    wchar_t folder[MAX_PATH];
    DWORD length = 0;
    DWORD written = 0;
    DWORD chunk = 0;
    ULONGLONG done = 0;
    ULONGLONG i = 0;
    BOOL ok = FALSE;
    DWORD error = ERROR_SUCCESS;

    length = GetTempPathW(MAX_PATH, folder);
    if (length == 0) {
        return GetLastError();
    }
    if (length >= MAX_PATH) {
        return ERROR_BUFFER_OVERFLOW;
    }
    swprintf(bench->temp_path, MAX_PATH, L"%lswinmem-bench-%lu.bin", folder,
             (unsigned long)GetCurrentProcessId());
    bench->temp_file = CreateFileW(
        bench->temp_path, GENERIC_READ | GENERIC_WRITE,
        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, /* the library opens it by name */
        NULL,                                                   /* default security */
        CREATE_NEW,                                             /* never reuse an existing file */
        FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,   /* gone with the last handle */
        NULL);
    if (bench->temp_file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    bench->copy = (unsigned char *)VirtualAlloc(NULL, (SIZE_T)bench->file_size,
                                                MEM_RESERVE | MEM_COMMIT, /* page-aligned */
                                                PAGE_READWRITE);
    if (bench->copy == NULL) {
        return GetLastError();
    }
    for (i = 0; i < bench->file_size; i++) {
        bench->copy[i] = (unsigned char)((i * 131u + 7u) ^ (i >> 12));
    }
    while (done < bench->file_size) {
        chunk =
            (DWORD)(bench->file_size - done < FILL_CHUNK ? bench->file_size - done : FILL_CHUNK);
        ok = WriteFile(bench->temp_file, bench->copy + done, chunk, &written, NULL);
        if (!ok) {
            return GetLastError();
        }
        done += written;
    }
    bench->file_sum = scan_sum(bench->copy, (SIZE_T)bench->file_size);
    error =
        wm_mapped_file_open(bench->temp_path, WM_MAP_READ, 0 /* the whole file */, &bench->mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    bench->read_buffer =
        (unsigned char *)VirtualAlloc(NULL, READ_LARGE, MEM_RESERVE | MEM_COMMIT, /* aligned */
                                      PAGE_READWRITE);
    if (bench->read_buffer == NULL) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* Everything the runs share: heaps, the arena, the bump pointer's memory, the
 * file. */
static DWORD set_up(bench_t *bench)
{
    SIZE_T slots = bench->blocks + LIVE_BLOCKS;
    SIZE_T reserve =
        bench->budget + (SIZE_T)LIVE_BLOCKS * block_sizes[BLOCK_SIZE_COUNT - 1] + ARENA_CHUNK;
    DWORD error = ERROR_SUCCESS;

    bench->slots = (void **)calloc(slots, sizeof *bench->slots);
    if (bench->slots == NULL) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    bench->process_heap = GetProcessHeap(); /* cannot fail */
    error =
        wm_heap_create(0 /* serialized, the default */, 0, 0 /* growable */, &bench->private_heap);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_heap_create(HEAP_NO_SERIALIZE, /* no lock: one thread only */
                           0, 0 /* growable */, &bench->no_serialize_heap);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_arena_create(reserve, ARENA_CHUNK, &bench->arena);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    bench->bump_capacity = reserve;
    bench->bump_base =
        (unsigned char *)VirtualAlloc(NULL, reserve, MEM_RESERVE | MEM_COMMIT, /* all of it */
                                      PAGE_READWRITE);
    if (bench->bump_base == NULL) {
        return GetLastError();
    }
    return make_file(bench);
}

/* Releases what set_up made, in reverse order; returns the first error. */
static DWORD tear_down(bench_t *bench)
{
    DWORD first = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = TRUE;

    if (bench->read_buffer != NULL) {
        ok = VirtualFree(bench->read_buffer, 0, MEM_RELEASE); /* 0: the whole reservation */
        if (!ok && first == ERROR_SUCCESS) {
            first = GetLastError();
        }
    }
    error = wm_mapped_file_close(&bench->mapped);
    if (error != ERROR_SUCCESS && first == ERROR_SUCCESS) {
        first = error;
    }
    if (bench->copy != NULL) {
        ok = VirtualFree(bench->copy, 0, MEM_RELEASE); /* 0: the whole reservation */
        if (!ok && first == ERROR_SUCCESS) {
            first = GetLastError();
        }
    }
    if (bench->temp_file != INVALID_HANDLE_VALUE) {
        ok = CloseHandle(bench->temp_file); /* deletes the file: FILE_FLAG_DELETE_ON_CLOSE */
        if (!ok && first == ERROR_SUCCESS) {
            first = GetLastError();
        }
    }
    if (bench->bump_base != NULL) {
        ok = VirtualFree(bench->bump_base, 0, MEM_RELEASE); /* 0: the whole reservation */
        if (!ok && first == ERROR_SUCCESS) {
            first = GetLastError();
        }
    }
    if (bench->arena.base != 0) {
        error = wm_arena_release(&bench->arena);
        if (error != ERROR_SUCCESS && first == ERROR_SUCCESS) {
            first = error;
        }
    }
    if (bench->no_serialize_heap != NULL) {
        error = wm_heap_destroy(bench->no_serialize_heap);
        if (error != ERROR_SUCCESS && first == ERROR_SUCCESS) {
            first = error;
        }
    }
    if (bench->private_heap != NULL) {
        error = wm_heap_destroy(bench->private_heap);
        if (error != ERROR_SUCCESS && first == ERROR_SUCCESS) {
            first = error;
        }
    }
    free(bench->slots);
    return first;
}

/* ------------------------------------------------------------------------------------
 */
/* Rounds, statistics, targets. */
/* ------------------------------------------------------------------------------------
 */

static double run_one(bench_t *bench, const bench_result_t *result)
{
    switch (result->kind) {
    case KIND_ALLOCATOR:
        return run_allocator(bench, result);
    case KIND_WRAP_HEAP_RAW:
        return run_wrap_heap(bench, 0);
    case KIND_WRAP_HEAP_LIB:
        return run_wrap_heap(bench, 1);
    case KIND_WRAP_VM_RAW:
        return run_wrap_vm(bench, 0);
    case KIND_WRAP_VM_LIB:
        return run_wrap_vm(bench, 1);
    case KIND_FIRST_TOUCH:
        return run_touch(bench, 0);
    case KIND_RETOUCH:
        return run_touch(bench, 1);
    case KIND_COD_TOUCH:
        return run_cod_touch(bench);
    case KIND_VA_PAIR:
        return run_va_pair(bench, result->size);
    case KIND_SCAN_COPY:
        return run_scan_copy(bench);
    case KIND_SCAN_ONE_VIEW:
        return run_scan_one_view(bench);
    case KIND_SCAN_SLIDING:
        return run_scan_sliding(bench);
    default:
        return run_scan_read(bench, result->size);
    }
}

/* Runs every round; round 0 is the warm-up. A progress line goes to a console
 * only. */
static void run_rounds(bench_t *bench, int progress)
{
    unsigned round_number = 0; /* not "round": <math.h> declares round() */
    size_t i = 0;
    double value = 0.0;

    for (round_number = 0; round_number < bench->rounds && bench->error == ERROR_SUCCESS;
         round_number++) {
        if (progress) {
            printf("\r  round %u of %u%s", round_number + 1, bench->rounds,
                   round_number == 0 ? " (warm-up)" : "          ");
            fflush(stdout);
        }
        for (i = 0; i < bench->result_count && bench->error == ERROR_SUCCESS; i++) {
            value = run_one(bench, &bench->results[i]);
            if (round_number > 0) {
                bench->results[i].samples[bench->results[i].sample_count] = value;
                bench->results[i].sample_count++;
            }
        }
    }
    if (progress) {
        printf("\r%40s\r", "");
        fflush(stdout);
    }
}

/* Median, minimum, maximum of each result; then each ratio to its baseline's
 * median. */
static void summarise(bench_t *bench)
{
    double sorted[ROUNDS_MAX];
    bench_result_t *result = NULL;
    double key = 0.0;
    size_t i = 0;
    unsigned j = 0;
    unsigned k = 0;

    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        if (result->sample_count == 0) {
            continue;
        }
        memcpy(sorted, result->samples, result->sample_count * sizeof sorted[0]);
        for (j = 1; j < result->sample_count; j++) { /* insertion sort: a handful of values */
            key = sorted[j];
            for (k = j; k > 0 && sorted[k - 1] > key; k--) {
                sorted[k] = sorted[k - 1];
            }
            sorted[k] = key;
        }
        result->minimum = sorted[0];
        result->maximum = sorted[result->sample_count - 1];
        result->median = sorted[result->sample_count / 2];
    }
    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        if (result->baseline >= 0 && bench->results[result->baseline].median > 0.0) {
            result->ratio = result->median / bench->results[result->baseline].median;
        }
    }
}

/* The allocator result for (allocator, size, pattern); never an A/A copy. */
static const bench_result_t *find_allocator(const bench_t *bench, bench_allocator_t allocator,
                                            SIZE_T size, bench_pattern_t pattern)
{
    size_t i = 0;

    for (i = 0; i < bench->result_count; i++) {
        if (bench->results[i].kind == KIND_ALLOCATOR && bench->results[i].allocator == allocator &&
            bench->results[i].size == size && bench->results[i].pattern == pattern &&
            bench->results[i].copy_of < 0) {
            return &bench->results[i];
        }
    }
    return NULL;
}

/* The first result of kind whose size is size (0: any size); never an A/A copy.
 */
static const bench_result_t *find_kind(const bench_t *bench, bench_kind_t kind, SIZE_T size)
{
    size_t i = 0;

    for (i = 0; i < bench->result_count; i++) {
        if (bench->results[i].kind == kind && bench->results[i].copy_of < 0 &&
            (size == 0 || bench->results[i].size == size)) {
            return &bench->results[i];
        }
    }
    return NULL;
}

/* Each A/A pair's noise floor: the median over the rounds of |copy / original -
 * 1|, the typical gap between two runs of the same code in the same round. */
static void measure_noise(bench_t *bench)
{
    double gaps[ROUNDS_MAX];
    const bench_result_t *original = NULL;
    const bench_result_t *copy = NULL;
    double key = 0.0;
    size_t n = 0;
    unsigned j = 0;
    unsigned k = 0;

    for (n = 0; n < NOISE_COUNT; n++) {
        original = &bench->results[bench->noise[n].original];
        copy = &bench->results[bench->noise[n].copy];
        for (j = 0; j < copy->sample_count && j < original->sample_count; j++) {
            key = original->samples[j] > 0.0 ? copy->samples[j] / original->samples[j] - 1.0 : 0.0;
            key = key < 0.0 ? -key : key;
            for (k = j; k > 0 && gaps[k - 1] > key; k--) { /* insertion sort */
                gaps[k] = gaps[k - 1];
            }
            gaps[k] = key;
        }
        bench->noise[n].floor = j > 0 ? gaps[j / 2] : 0.0;
    }
}

/* A target's verdict: "within noise" when the gap between the measured value
 * and the limit is below the noise floor (this run cannot tell), else met or
 * not met. */
static void judge_target(bench_target_t *target, double measured, double limit, double noise)
{
    double gap = measured > limit ? measured - limit : limit - measured;

    target->measured = measured;
    target->limit = limit;
    target->noise = noise;
    if (gap < noise) {
        snprintf(target->verdict, sizeof target->verdict, "within noise");
    } else {
        snprintf(target->verdict, sizeof target->verdict, "%s",
                 measured <= limit ? "met" : "not met");
    }
}

/* A comparison without a target: which of two throughputs wins here, and by how
 * much, or "within noise" when their ratio is within the noise floor of 1. */
static void judge_comparison(bench_target_t *target, const bench_result_t *views,
                             const bench_result_t *reads, double noise)
{
    double ratio = reads->median > 0.0 ? views->median / reads->median : 0.0;
    double gap = ratio > 1.0 ? ratio - 1.0 : 1.0 - ratio;

    target->measured = ratio;
    target->limit = 0.0;
    target->noise = noise;
    if (gap < noise || ratio <= 0.0) {
        snprintf(target->verdict, sizeof target->verdict, "within noise");
    } else if (ratio > 1.0) {
        snprintf(target->verdict, sizeof target->verdict, "%s faster, by %.0f%%", views->variant,
                 (ratio - 1.0) * 100.0);
    } else {
        snprintf(target->verdict, sizeof target->verdict, "ReadFile faster, by %.0f%%",
                 (1.0 / ratio - 1.0) * 100.0);
    }
}

/* The targets, each as its worst case (the largest arena / bump ratio over
 * 16-256 bytes in both patterns; the larger wrapper overhead), and the file
 * scan's two comparisons. */
static void judge_targets(bench_t *bench)
{
    const SIZE_T target_sizes[] = {16, 64, 256};
    const bench_result_t *arena = NULL;
    const bench_result_t *bump = NULL;
    const bench_result_t *reads = find_kind(bench, KIND_SCAN_READ, READ_LARGE);
    double to_bump = 0.0;
    double overhead = 0.0;
    double ratio = 0.0;
    size_t s = 0;
    int p = 0;

    measure_noise(bench);
    for (p = PATTERN_BATCH; p <= PATTERN_STEADY; p++) {
        for (s = 0; s < sizeof target_sizes / sizeof target_sizes[0]; s++) {
            arena = find_allocator(bench, ALLOC_ARENA, target_sizes[s], (bench_pattern_t)p);
            bump = find_allocator(bench, ALLOC_BUMP, target_sizes[s], (bench_pattern_t)p);
            if (arena == NULL || bump == NULL || bump->median <= 0.0) {
                continue;
            }
            ratio = arena->median / bump->median;
            to_bump = ratio > to_bump ? ratio : to_bump;
        }
    }
    overhead = find_kind(bench, KIND_WRAP_HEAP_LIB, 0)->ratio - 1.0;
    ratio = find_kind(bench, KIND_WRAP_VM_LIB, 0)->ratio - 1.0;
    overhead = ratio > overhead ? ratio : overhead;

    bench->targets[0].name = "arena within 1.15x of the raw bump pointer (16-256 B, both)";
    bench->targets[0].value = "x the bump pointer's time (the largest)";
    judge_target(&bench->targets[0], to_bump, TARGET_ARENA_TO_BUMP, bench->noise[0].floor);
    bench->targets[1].name = "the library's wrappers within 3% of the raw calls";
    bench->targets[1].value = "% overhead (the larger)";
    judge_target(&bench->targets[1], overhead * 100.0, TARGET_WRAPPER_OVERHEAD * 100.0,
                 bench->noise[1].floor * 100.0);
    bench->targets[2].name = "file scan: one view against ReadFile, 1 MiB buffer";
    bench->targets[2].value = "x ReadFile's throughput";
    judge_comparison(&bench->targets[2], find_kind(bench, KIND_SCAN_ONE_VIEW, 0), reads,
                     bench->noise[2].floor);
    bench->targets[3].name = "file scan: sliding views against ReadFile, 1 MiB buffer";
    bench->targets[3].value = "x ReadFile's throughput";
    judge_comparison(&bench->targets[3], find_kind(bench, KIND_SCAN_SLIDING, 0), reads,
                     bench->noise[2].floor);
}

/* ------------------------------------------------------------------------------------
 */
/* Output: text, JSON, CSV, SVG. */
/* ------------------------------------------------------------------------------------
 */

static void runtime_text(const bench_t *bench, char *text, size_t capacity)
{
    if (bench->runtime.is_wine) {
        snprintf(text, capacity, "Wine %s (reports Windows %lu.%lu.%lu)",
                 bench->runtime.wine_version, (unsigned long)bench->runtime.major,
                 (unsigned long)bench->runtime.minor, (unsigned long)bench->runtime.build);
    } else {
        snprintf(text, capacity, "Windows %lu.%lu.%lu", (unsigned long)bench->runtime.major,
                 (unsigned long)bench->runtime.minor, (unsigned long)bench->runtime.build);
    }
}

static void print_text(const bench_t *bench)
{
    char runtime[96];
    const char *group = "";
    const bench_result_t *result = NULL;
    size_t i = 0;

    runtime_text(bench, runtime, sizeof runtime);
    printf("bench: %s\n", DEMO_TITLE);
    printf("runtime: %s; %lu processors; page %lu bytes; granularity %lu bytes\n", runtime,
           (unsigned long)bench->system.processors, (unsigned long)bench->system.page_size,
           (unsigned long)bench->system.allocation_granularity);
    printf("mode: %s; %u rounds after a warm-up; %zu blocks per allocator run "
           "(fewer for big "
           "blocks and VirtualAlloc); ratio = median / baseline's median\n",
           bench->quick ? "quick" : "default", bench->rounds - 1, bench->blocks);
    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        if (strcmp(group, result->group) != 0) {
            group = result->group;
            printf("\n%s\n  %-34s %-7s %9s %11s %11s %11s %8s\n", group, "variant", "pattern",
                   "size", "median", "min", "max", "ratio");
        }
        printf("  %-34s %-7s %9zu %11.2f %11.2f %11.2f ", result->variant,
               pattern_names[result->pattern], result->size, result->median, result->minimum,
               result->maximum);
        if (result->baseline >= 0) {
            printf("%8.3f %s\n", result->ratio, result->unit);
        } else {
            printf("%8s %s\n", "1", result->unit);
        }
    }
    printf("\nnoise floor (A/A pairs: the same code twice in every round; the "
           "median gap)\n");
    for (i = 0; i < NOISE_COUNT; i++) {
        printf("  %-12s %-40s %6.1f%%\n", bench->noise[i].name,
               bench->results[bench->noise[i].original].variant, bench->noise[i].floor * 100.0);
    }
    printf("\ntargets (measured here, never asserted; \"within noise\" when the "
           "gap to the "
           "target is below the noise floor)\n");
    for (i = 0; i < TARGET_COUNT; i++) {
        printf("  %-60s %8.3f %s (noise %.3f): %s\n", bench->targets[i].name,
               bench->targets[i].measured, bench->targets[i].value, bench->targets[i].noise,
               bench->targets[i].verdict);
    }
}

/* A double as a JSON number (finite, fixed notation). */
static void json_number(wm_json_t *json, double value)
{
    char text[64];
    int length = 0;

    if (!(value == value) || value > 1e300 || value < -1e300) {
        value = 0.0; /* NaN or infinite: JSON has no such numbers */
    }
    length = snprintf(text, sizeof text, "%.4f", value);
    wm_json_raw(json, text, (size_t)length);
}

static void print_json(const bench_t *bench)
{
    wm_json_t json;
    char runtime[96];
    const bench_result_t *result = NULL;
    size_t i = 0;

    runtime_text(bench, runtime, sizeof runtime);
    wm_json_init(&json, write_stdout, NULL);
    wm_json_object_begin(&json);
    wm_json_key(&json, "tool");
    wm_json_string(&json, DEMO_NAME);
    wm_json_key(&json, "runtime");
    wm_json_string(&json, runtime);
    wm_json_key(&json, "processors");
    wm_json_unsigned(&json, bench->system.processors);
    wm_json_key(&json, "page_size");
    wm_json_unsigned(&json, bench->system.page_size);
    wm_json_key(&json, "mode");
    wm_json_string(&json, bench->quick ? "quick" : "default");
    wm_json_key(&json, "rounds");
    wm_json_unsigned(&json, bench->rounds - 1);
    wm_json_key(&json, "results");
    wm_json_array_begin(&json);
    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        wm_json_object_begin(&json);
        wm_json_key(&json, "group");
        wm_json_string(&json, result->group);
        wm_json_key(&json, "variant");
        wm_json_string(&json, result->variant);
        wm_json_key(&json, "pattern");
        wm_json_string(&json, pattern_names[result->pattern]);
        wm_json_key(&json, "size");
        wm_json_unsigned(&json, result->size);
        wm_json_key(&json, "unit");
        wm_json_string(&json, result->unit);
        wm_json_key(&json, "median");
        json_number(&json, result->median);
        wm_json_key(&json, "min");
        json_number(&json, result->minimum);
        wm_json_key(&json, "max");
        json_number(&json, result->maximum);
        wm_json_key(&json, "baseline");
        if (result->baseline >= 0) {
            wm_json_string(&json, bench->results[result->baseline].variant);
            wm_json_key(&json, "ratio");
            json_number(&json, result->ratio);
        } else {
            wm_json_null(&json);
        }
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_key(&json, "noise");
    wm_json_array_begin(&json);
    for (i = 0; i < NOISE_COUNT; i++) {
        wm_json_object_begin(&json);
        wm_json_key(&json, "pair");
        wm_json_string(&json, bench->noise[i].name);
        wm_json_key(&json, "variant");
        wm_json_string(&json, bench->results[bench->noise[i].original].variant);
        wm_json_key(&json, "floor");
        json_number(&json, bench->noise[i].floor);
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_key(&json, "targets");
    wm_json_array_begin(&json);
    for (i = 0; i < TARGET_COUNT; i++) {
        wm_json_object_begin(&json);
        wm_json_key(&json, "target");
        wm_json_string(&json, bench->targets[i].name);
        wm_json_key(&json, "measured");
        json_number(&json, bench->targets[i].measured);
        wm_json_key(&json, "unit");
        wm_json_string(&json, bench->targets[i].value);
        wm_json_key(&json, "limit");
        if (bench->targets[i].limit > 0.0) {
            json_number(&json, bench->targets[i].limit);
        } else {
            wm_json_null(&json); /* a comparison: no target */
        }
        wm_json_key(&json, "noise");
        json_number(&json, bench->targets[i].noise);
        wm_json_key(&json, "verdict");
        wm_json_string(&json, bench->targets[i].verdict);
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_object_end(&json);
    fputc('\n', stdout);
}

/* Formats one line and hands it to write: the CSV goes through the same
 * wm_write_fn sink as the JSON (src/wm_json.h) and the SVG (src/wm_svg.h), into a
 * buffer written out once. */
static void emit(wm_write_fn write, void *context, const char *format, ...)
{
    char line[CSV_LINE_MAX];
    va_list arguments;
    int length = 0;

    va_start(arguments, format);
    length = vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (length < 0) {
        return;
    }
    if ((size_t)length >= sizeof line) {
        length = (int)sizeof line - 1; /* cut: no line the tool writes is this long */
    }
    write(context, line, (size_t)length);
}

/* A wm_write_fn that drops everything: the chart's first pass only measures its
 * height. */
static void discard(void *context, const char *bytes, size_t length)
{
    (void)context;
    (void)bytes;
    (void)length;
}

static void write_csv(const bench_t *bench, wm_write_fn write, void *context)
{
    const bench_result_t *result = NULL;
    size_t i = 0;

    emit(write, context, "group,variant,pattern,size,unit,median,min,max,baseline,ratio\n");
    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        emit(write, context, "%s,\"%s\",%s,%zu,%s,%.4f,%.4f,%.4f,\"%s\",%.4f\n", result->group,
             result->variant, pattern_names[result->pattern], result->size, result->unit,
             result->median, result->minimum, result->maximum,
             result->baseline >= 0 ? bench->results[result->baseline].variant : "",
             result->baseline >= 0 ? result->ratio : 1.0);
    }
}

/* x of a ratio on the log axis of a column starting at x0. */
static double svg_x(double x0, double ratio)
{
    double decade = ratio > 0.0 ? log10(ratio) : SVG_DECADE_LOW;
    double span = (double)(SVG_DECADE_HIGH - SVG_DECADE_LOW);
    double plot = (double)(SVG_COLUMN_WIDTH - SVG_LABEL_WIDTH - 50);

    if (decade < SVG_DECADE_LOW) {
        decade = SVG_DECADE_LOW;
    }
    if (decade > SVG_DECADE_HIGH) {
        decade = SVG_DECADE_HIGH;
    }
    return x0 + SVG_LABEL_WIDTH + (decade - SVG_DECADE_LOW) / span * plot;
}

/* Does result belong in the panel (group; for the allocators, pattern and size
 * too)? */
static int in_panel(const bench_result_t *result, const char *group, bench_pattern_t pattern,
                    SIZE_T size)
{
    if (result->baseline < 0 || strcmp(result->group, group) != 0) {
        return 0;
    }
    return pattern == PATTERN_NONE || (result->pattern == pattern && result->size == size);
}

/* One panel at (x0, *y): a heading, its log axis, and a bar per matching ratio,
 * from 1 (the baseline) to the ratio. Green is better than the baseline (less
 * time, or more throughput), red worse; an A/A copy is grey. Advances *y past
 * the panel. */
static void svg_panel(const bench_t *bench, wm_svg_t *svg, double x0, double *y,
                      const char *heading, const char *group, bench_pattern_t pattern, SIZE_T size)
{
    const wm_svg_style_t bold = {NULL, "bold", NULL, NULL, NULL, NULL};
    const wm_svg_style_t label_style = {NULL, NULL, "end", NULL, NULL, NULL};
    const wm_svg_style_t tick_label = {NULL, NULL, "middle", "#666", NULL, NULL};
    wm_svg_style_t bar = {NULL, NULL, NULL, NULL, NULL, NULL};
    wm_svg_style_t tick_line = {NULL, NULL, NULL, NULL, NULL, NULL};
    const bench_result_t *result = NULL;
    char label[128];
    char size_text[32];
    double one = svg_x(x0, 1.0);
    double top = *y + SVG_HEADING_HEIGHT;
    double row_y = top;
    double x = 0.0;
    double tick = 0.0;
    size_t i = 0;
    int decade = 0;

    wm_svg_text(svg, x0 + 10.0, *y + 14.0, &bold, heading);
    for (i = 0; i < bench->result_count; i++) {
        result = &bench->results[i];
        if (!in_panel(result, group, pattern, size)) {
            continue;
        }
        if (pattern == PATTERN_NONE) { /* one panel holds every size: name it */
            wm_format_bytes(result->size, size_text, sizeof size_text);
            snprintf(label, sizeof label, "%s, %s", result->variant, size_text);
        } else {
            snprintf(label, sizeof label, "%s", result->variant);
        }
        x = svg_x(x0, result->ratio);
        bar.fill = result->copy_of >= 0                                            ? "#999"
                   : (strcmp(result->unit, "MB/s") == 0) == (result->ratio >= 1.0) ? "#4a4"
                                                                                   : "#c44";
        wm_svg_text(svg, x0 + SVG_LABEL_WIDTH - 6, row_y + 11.0, &label_style, label);
        wm_svg_rect(svg, x < one ? x : one, row_y + 2.0, x < one ? one - x : x - one,
                    SVG_ROW_HEIGHT - 4, &bar, NULL);
        snprintf(label, sizeof label, "%.3g", result->ratio);
        wm_svg_text(svg, (x > one ? x : one) + 3.0, row_y + 11.0, NULL, label);
        row_y += SVG_ROW_HEIGHT;
    }
    for (decade = SVG_DECADE_LOW; decade <= SVG_DECADE_HIGH; decade++) {
        tick = pow(10.0, decade);
        x = svg_x(x0, tick);
        tick_line.stroke = decade == 0 ? "black" : "#ccc";
        wm_svg_line(svg, x, top, x, row_y, &tick_line);
        snprintf(label, sizeof label, "%g", tick);
        wm_svg_text(svg, x, top - 2.0, &tick_label, label);
    }
    *y = row_y + 10.0;
}

/* The chart's panels; returns the height they take. */
static double svg_panels(const bench_t *bench, wm_svg_t *svg)
{
    char heading[128];
    double column_y[2] = {SVG_TOP, SVG_TOP};
    double y = 0.0;
    size_t s = 0;
    int p = 0;

    for (p = PATTERN_BATCH; p <= PATTERN_STEADY; p++) {
        for (s = 0; s < BLOCK_SIZE_COUNT; s++) {
            snprintf(heading, sizeof heading, "allocators, %s, %zu bytes: x the process heap",
                     pattern_names[p], block_sizes[s]);
            svg_panel(bench, svg, (double)(p - PATTERN_BATCH) * SVG_COLUMN_WIDTH,
                      &column_y[p - PATTERN_BATCH], heading, "allocators", (bench_pattern_t)p,
                      block_sizes[s]);
        }
    }
    y = column_y[0] > column_y[1] ? column_y[0] : column_y[1];
    column_y[0] = y;
    column_y[1] = y;
    svg_panel(bench, svg, 0.0, &column_y[0], "wrappers: x the raw call", "wrappers", PATTERN_NONE,
              0);
    svg_panel(bench, svg, 0.0, &column_y[0], "memory: x the first of each kind", "memory",
              PATTERN_NONE, 0);
    svg_panel(bench, svg, SVG_COLUMN_WIDTH, &column_y[1],
              "files: x the in-memory copy's throughput", "files", PATTERN_NONE, 0);
    return column_y[0] > column_y[1] ? column_y[0] : column_y[1];
}

/* The bar chart: the allocators in two columns (batch, steady), one panel per
 * block size; the wrappers, memory and files below, one panel each. */
static void write_svg(const bench_t *bench, wm_write_fn write, void *context)
{
    const wm_svg_style_t title = {"14", NULL, NULL, NULL, NULL, NULL};
    wm_svg_t measure = {discard, NULL}; /* a first pass draws nothing: it finds the height */
    wm_svg_t svg;
    char runtime[96];
    char line[160];
    double height = svg_panels(bench, &measure) + 10.0;

    runtime_text(bench, runtime, sizeof runtime);
    wm_svg_begin(&svg, write, context, SVG_WIDTH, height, "11", "white");
    wm_svg_text(&svg, 10, 20, &title,
                "winmem bench: each ratio to its panel's baseline (median; log scale; green is "
                "better, grey an A/A copy)");
    snprintf(line, sizeof line, "%s, %lu processors, %s mode", runtime,
             (unsigned long)bench->system.processors, bench->quick ? "quick" : "default");
    wm_svg_text(&svg, 10, 38, NULL, line);
    (void)svg_panels(bench, &svg);
    wm_svg_end(&svg);
}

/* Writes one output file, new (CREATE_NEW: never over an existing file), from
 * the text the writer built; on failure the file, ours and incomplete, is
 * removed. */
static DWORD write_output(const bench_t *bench, const wchar_t *path, int svg)
{
    wm_text_buffer_t text;
    HANDLE file = INVALID_HANDLE_VALUE;
    DWORD written = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    memset(&text, 0, sizeof text);
    if (svg) {
        write_svg(bench, wm_text_buffer_write, &text);
    } else {
        write_csv(bench, wm_text_buffer_write, &text);
    }
    if (text.out_of_memory || text.length > MAXDWORD) {
        wm_text_buffer_free(&text);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    file = CreateFileW(path, GENERIC_WRITE, 0, /* not shared while it is written */
                       NULL,                   /* default security */
                       CREATE_NEW,             /* fails with ERROR_FILE_EXISTS: never overwrite */
                       FILE_ATTRIBUTE_NORMAL,  /* an ordinary file, the user's to keep */
                       NULL);
    if (file == INVALID_HANDLE_VALUE) {
        error = GetLastError();
        wm_text_buffer_free(&text);
        return error;
    }
    ok = WriteFile(file, text.data, (DWORD)text.length, &written, NULL);
    if (!ok || written != (DWORD)text.length) {
        error = ok ? ERROR_WRITE_FAULT : GetLastError();
    }
    ok = CloseHandle(file);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    if (error != ERROR_SUCCESS) {
        (void)DeleteFileW(path); /* ours, and incomplete: best effort */
    }
    wm_text_buffer_free(&text);
    return error;
}

/* ------------------------------------------------------------------------------------
 */
/* The command line. */
/* ------------------------------------------------------------------------------------
 */

/* An output path must be non-empty and must not name an existing file. */
static int check_output_path(const char *option, const wchar_t *path)
{
    DWORD attributes = 0;

    if (path == NULL) {
        return WM_ARGS_CONTINUE;
    }
    if (path[0] == L'\0') {
        fprintf(stderr, "%s: %s: needs a file name\n", DEMO_NAME, option);
        return WM_EXIT_USAGE;
    }
    attributes = GetFileAttributesW(path);
    if (attributes != INVALID_FILE_ATTRIBUTES) {
        fprintf(stderr, "%s: %s: the file exists; bench never overwrites a file\n", DEMO_NAME,
                option);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
}

static int check_options(const bench_config_t *config)
{
    int handled = check_output_path("--csv", config->csv_path);

    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    handled = check_output_path("--svg", config->svg_path);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config->csv_path != NULL && config->svg_path != NULL &&
        wcscmp(config->csv_path, config->svg_path) == 0) {
        fprintf(stderr, "%s: --csv and --svg name the same file\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    if (config->file_size != FILE_SIZE_UNSET &&
        (config->file_size < FILE_SIZE_MIN || config->file_size > FILE_SIZE_MAX)) {
        fprintf(stderr, "%s: --file-size: must be between 1 MiB and 4 GiB\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
}

static void configure(bench_t *bench, const bench_config_t *config)
{
    bench->quick = config->quick;
    bench->rounds = config->quick ? ROUNDS_QUICK : ROUNDS_DEFAULT;
    bench->blocks = config->quick ? BLOCKS_QUICK : BLOCKS_DEFAULT;
    bench->budget = config->quick ? BUDGET_QUICK : BUDGET_DEFAULT;
    bench->touch_bytes = config->quick ? TOUCH_QUICK : TOUCH_DEFAULT;
    bench->pairs = config->quick ? PAIRS_QUICK : PAIRS_DEFAULT;
    bench->file_size = config->file_size != FILE_SIZE_UNSET ? config->file_size
                       : config->quick                      ? FILE_SIZE_QUICK
                                                            : FILE_SIZE_DEFAULT;
    bench->temp_file = INVALID_HANDLE_VALUE;
    bench->mapped.file = INVALID_HANDLE_VALUE;
    bench->mapped.mapping = NULL;
}

static void report_error(const char *where, DWORD error)
{
    char text[256];

    (void)wm_error_text(error, text, sizeof text);
    fprintf(stderr, "%s: %s failed: %lu %s\n", DEMO_NAME, where, (unsigned long)error, text);
}

int wmain(int argc, wchar_t **argv)
{
    bench_config_t config;
    wm_options_t options;
    bench_t *bench = NULL;
    const wm_option_spec_t extra[] = {
        {L"--quick", WM_OPTION_FLAG, &config.quick, NULL, "fewer rounds and blocks: under 5 s"},
        {L"--csv", WM_OPTION_TEXT, &config.csv_path, "FILE",
         "also write the results as CSV to a new FILE (never overwritten)"},
        {L"--svg", WM_OPTION_TEXT, &config.svg_path, "FILE",
         "also write a bar chart of the ratios to a new FILE (never "
         "overwritten)"},
        {L"--file-size", WM_OPTION_SIZE, &config.file_size, "SIZE",
         "the scanned temp file's size, 1M to 4G (default 128M; 16M with "
         "--quick)"},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;
    int exit_code = WM_EXIT_OK;
    DWORD error = ERROR_SUCCESS;

    memset(&config, 0, sizeof config);
    config.file_size = FILE_SIZE_UNSET;
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    handled = check_options(&config);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    bench = (bench_t *)calloc(1, sizeof *bench); /* about 100 KiB: not on the stack */
    if (bench == NULL) {
        report_error("calloc", ERROR_NOT_ENOUGH_MEMORY);
        return WM_EXIT_FAILED;
    }
    configure(bench, &config);
    (void)wm_system_query(&bench->system);
    (void)wm_runtime_query(&bench->runtime);
    QueryPerformanceFrequency(&bench->frequency); /* never fails on Windows XP and later */
    plan(bench);

    error = set_up(bench);
    if (error != ERROR_SUCCESS) {
        report_error("setting up", error);
        exit_code = WM_EXIT_FAILED;
        goto cleanup;
    }
    run_rounds(bench, !options.json && wm_console_is_console(STD_OUTPUT_HANDLE));
    if (bench->error != ERROR_SUCCESS) {
        report_error(bench->where, bench->error);
        exit_code = WM_EXIT_FAILED;
        goto cleanup;
    }
    summarise(bench);
    judge_targets(bench);
    if (options.json) {
        print_json(bench);
    } else {
        print_text(bench);
    }
    if (config.csv_path != NULL) {
        error = write_output(bench, config.csv_path, 0);
        if (error != ERROR_SUCCESS) {
            report_error("writing --csv", error);
            exit_code = WM_EXIT_FAILED;
        }
    }
    if (config.svg_path != NULL) {
        error = write_output(bench, config.svg_path, 1);
        if (error != ERROR_SUCCESS) {
            report_error("writing --svg", error);
            exit_code = WM_EXIT_FAILED;
        }
    }

cleanup:
    error = tear_down(bench);
    if (error != ERROR_SUCCESS) {
        report_error("releasing", error);
        exit_code = WM_EXIT_FAILED;
    }
    free(bench);
    return exit_code;
}
