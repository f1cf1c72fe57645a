/*
 * wm_ring.h - a ring buffer whose storage is mapped twice, back to back.
 *
 * One pagefile-backed section of size bytes is mapped at base and again at base + size.
 * Byte base[i] and byte base[i + size] are the same byte, so a write or read that runs
 * past the end of the first view simply continues into the second, which is the start
 * of the storage again: every block is contiguous, and wrap-around costs no copy and no
 * second memcpy.
 *
 * Two ways to build it (the ring says which it used):
 *  - WM_RING_PLACEHOLDER: VirtualAlloc2 reserves a 2 x size placeholder, VirtualFree with
 *    MEM_PRESERVE_PLACEHOLDER splits it in two, and MapViewOfFile3 with
 *    MEM_REPLACE_PLACEHOLDER maps the section into each half. No other thread can take the
 *    range in between. Windows 10 version 1803 and later; both functions are looked up at
 *    run time in kernelbase.dll.
 *  - WM_RING_REMAP: reserve 2 x size to find a free range, release it, and map the two
 *    views there with MapViewOfFileEx. Another thread may take the range between the
 *    release and the maps, so on failure it tries again, up to WM_RING_ATTEMPTS times.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_RING_H
#define WM_RING_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

typedef enum wm_ring_method_e
{
    WM_RING_ANY,         /* placeholders where they work, else remap */
    WM_RING_PLACEHOLDER, /* placeholders only: fail where they do not work */
    WM_RING_REMAP        /* reserve, release, map twice, with retries */
} wm_ring_method_t;

/* How many times the remap method tries to map both views before it gives up. */
#define WM_RING_ATTEMPTS 16

/* A ring. The caller owns the struct; fields are read-only outside ring.c. */
typedef struct wm_ring_s
{
    unsigned char *base;     /* the first view; the second starts at base + size */
    SIZE_T size;             /* bytes of storage: a multiple of the allocation granularity */
    HANDLE section;          /* the pagefile-backed section both views map */
    wm_ring_method_t method; /* how it was built: WM_RING_PLACEHOLDER or WM_RING_REMAP */
    DWORD placeholder_error; /* why placeholders were not used, or 0 */
    unsigned attempts;       /* mapping attempts the remap method needed (0: placeholders) */
    ULONGLONG head;          /* bytes written since creation: the write position is head % size */
    ULONGLONG tail;          /* bytes read since creation; head - tail bytes are waiting */
} wm_ring_t;

/*
 * Creates a ring of at least size bytes (rounded up to the allocation granularity, since
 * views start at multiples of it), built with method. On failure *ring is zeroed and
 * nothing is left mapped, reserved or open. ERROR_INVALID_PARAMETER for a NULL ring, a
 * zero size or an unknown method.
 */
DWORD wm_ring_create(SIZE_T size, wm_ring_method_t method, wm_ring_t *ring);

/* Unmaps both views and closes the section; *ring is zeroed on success. */
DWORD wm_ring_destroy(wm_ring_t *ring);

/*
 * Appends length bytes from data with one memcpy, however the write position wraps.
 * ERROR_INSUFFICIENT_BUFFER (nothing written) if fewer than length bytes are free.
 */
DWORD wm_ring_write(wm_ring_t *ring, const void *data, SIZE_T length);

/* Takes length bytes into data with one memcpy. ERROR_NO_DATA (nothing read) if fewer
 * than length bytes are waiting. */
DWORD wm_ring_read(wm_ring_t *ring, void *data, SIZE_T length);

/* The method's name: "placeholders (VirtualAlloc2 + MapViewOfFile3)" or the remap one. */
const char *wm_ring_method_name(wm_ring_method_t method);

#endif /* WM_RING_H */
