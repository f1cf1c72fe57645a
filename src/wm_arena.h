/*
 * wm_arena.h - an arena (bump) allocator on one reservation, committed in chunks.
 *
 * The arena reserves a large range once, so its blocks never move and never need a
 * second reservation. It commits pages only as allocations reach them, a chunk at a time,
 * so a 1 GiB arena that holds 100 KiB costs two chunks of commit. An allocation is a bump
 * of one pointer: there is no per-block header and no free; wm_arena_reset forgets every
 * block at once, keeping or decommitting the pages.
 *
 * The fast path (wm_arena_alloc, inline below) is a few instructions: align, add, compare
 * with the committed end. Only an allocation that crosses the committed end calls into
 * the library (wm__arena_grow), which commits more. No OS call on the fast path.
 * It is not thread-safe: one arena per thread, or a lock around it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_ARENA_H
#define WM_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* An arena. The caller owns the struct; the fields are read-only outside arena.c. All
 * addresses are kept as integers so that rounding and comparing them is defined C. */
typedef struct wm_arena_s
{
    uintptr_t base;          /* start of the reservation */
    uintptr_t next;          /* first byte not yet handed out */
    uintptr_t committed_end; /* end of the committed pages: next never passes it */
    uintptr_t reserved_end;  /* end of the reservation: committed_end never passes it */
    SIZE_T chunk;            /* commit this much at a time (a whole number of pages) */
    SIZE_T grows;            /* times the arena committed another chunk or more */
} wm_arena_t;

/*
 * Reserves reserve bytes (rounded up to the allocation granularity) for arena, committing
 * nothing yet. Later growth commits multiples of chunk (rounded up to whole pages).
 * ERROR_INVALID_PARAMETER for a NULL arena or a zero size or chunk, or a chunk larger
 * than the reservation; VirtualAlloc's error otherwise. On failure *arena is zeroed.
 */
DWORD wm_arena_create(SIZE_T reserve, SIZE_T chunk, wm_arena_t *arena);

/* The slow path of wm_arena_alloc: commits enough chunks for the block, then hands it
 * out. Called only by wm_arena_alloc. */
DWORD wm__arena_grow(wm_arena_t *arena, SIZE_T size, SIZE_T alignment, void **block);

/*
 * Hands out size bytes aligned to alignment (any power of two: 1, 2, 4, ... up to the
 * allocation granularity and beyond) in *block. The block is committed memory, zero the
 * first time the arena hands it out (fresh pages are zero-filled), possibly dirty after
 * wm_arena_reset with keep_pages. Errors: ERROR_INVALID_PARAMETER (NULL pointers, size 0,
 * alignment not a power of two), ERROR_ARITHMETIC_OVERFLOW (size + alignment would wrap
 * the address), ERROR_NOT_ENOUGH_MEMORY (the reservation is full), or VirtualAlloc's
 * error when committing fails. On failure *block is NULL and the arena is unchanged.
 */
static inline DWORD wm_arena_alloc(wm_arena_t *arena, SIZE_T size, SIZE_T alignment, void **block)
{
    uintptr_t start = 0;
    uintptr_t end = 0;

    if (arena == NULL || block == NULL || size == 0 || alignment == 0 ||
        (alignment & (alignment - 1)) != 0) {
        if (block != NULL) {
            *block = NULL;
        }
        return ERROR_INVALID_PARAMETER;
    }
    /* Round next up to the alignment; if that or the end wraps, the size cannot fit. */
    start = (arena->next + (alignment - 1)) & ~(uintptr_t)(alignment - 1);
    end = start + size;
    if (start < arena->next || end < start || end > arena->committed_end) {
        return wm__arena_grow(arena, size, alignment, block);
    }
    arena->next = end;
    *block = (void *)start;
    return ERROR_SUCCESS;
}

/* Bytes handed out since creation or the last reset (alignment padding included). */
SIZE_T wm_arena_used(const wm_arena_t *arena);

/* Bytes committed now. */
SIZE_T wm_arena_committed(const wm_arena_t *arena);

/*
 * Forgets every block: the next allocation starts at the base again. keep_pages != 0
 * keeps the committed pages (fast reuse, old contents stay); 0 decommits them, giving the
 * commit charge and the RAM back while keeping the reservation. Blocks handed out before
 * must not be used afterwards.
 */
DWORD wm_arena_reset(wm_arena_t *arena, int keep_pages);

/* Releases the whole reservation; *arena is zeroed on success. */
DWORD wm_arena_release(wm_arena_t *arena);

#endif /* WM_ARENA_H */
