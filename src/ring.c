/*
 * ring.c - a ring buffer mapped twice back to back (wm_ring.h).
 *
 * Rules, from Microsoft Learn:
 *  - MapViewOfFileEx: a view's address must be a multiple of the allocation granularity
 *    and the range must be free, so the ring's size is rounded up to the granularity.
 *  - VirtualAlloc2, "Scenario 1. Create a ring buffer": reserve a placeholder twice the
 *    size, split it with VirtualFree(MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), and map each
 *    half with MapViewOfFile3(MEM_REPLACE_PLACEHOLDER).
 *  - MapViewOfFile3: pass the process handle. (The sample passes NULL for the calling
 *    process; Wine 8 rejects that with ERROR_INVALID_HANDLE, GetCurrentProcess() works
 *    on both.)
 *  - UnmapViewOfFile2: only MEM_PRESERVE_PLACEHOLDER turns an unmapped view back into a
 *    placeholder; a plain UnmapViewOfFile frees the view's range.
 *  - CreateFileMappingW fails with NULL, not INVALID_HANDLE_VALUE.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_ring.h"

#include <string.h>

#include "wm_os.h"

/* Splits a 64-bit size into CreateFileMappingW's high and low DWORDs. */
#define WM_HIGH_DWORD(value) ((DWORD)((ULONGLONG)(value) >> 32))
#define WM_LOW_DWORD(value) ((DWORD)((ULONGLONG)(value)&0xFFFFFFFFu))

/* Frees a placeholder (or a placeholder half) left over after a failure. Its own failure
 * cannot be reported better than the first error, which the caller returns. */
static void drop_placeholder(void *placeholder)
{
    (void)wm__os.VirtualFree(placeholder, 0, /* API rule: 0 with MEM_RELEASE */
                             MEM_RELEASE);   /* the whole placeholder */
}

/* The placeholder way: nothing can take the range between reserving and mapping. */
static DWORD map_with_placeholders(HANDLE section, SIZE_T size, unsigned char **base)
{
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    unsigned char *placeholder = NULL;
    void *first = NULL;
    void *second = NULL;
    BOOL split = FALSE;
    DWORD error = ERROR_SUCCESS;

    placeholder = wm__os.VirtualAlloc2(self, NULL, 2 * size,
                                       MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, /* a placeholder */
                                       PAGE_NOACCESS, /* placeholders are never accessible */
                                       NULL, 0);      /* no extended parameters */
    if (placeholder == NULL) {
        return GetLastError();
    }
    split = wm__os.VirtualFree(placeholder, size,                       /* the first half... */
                               MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER); /* ...as its own one */
    if (!split) {
        error = GetLastError();
        drop_placeholder(placeholder);
        return error;
    }
    first = wm__os.MapViewOfFile3(section, self, placeholder, 0, size,
                                  MEM_REPLACE_PLACEHOLDER, /* the view takes the half's place */
                                  PAGE_READWRITE,          /* as the section was created */
                                  NULL, 0);                /* no extended parameters */
    if (first == NULL) {
        error = GetLastError();
        drop_placeholder(placeholder);
        drop_placeholder(placeholder + size);
        return error;
    }
    second = wm__os.MapViewOfFile3(section, self, placeholder + size, 0, size,
                                   MEM_REPLACE_PLACEHOLDER, /* the same storage, again */
                                   PAGE_READWRITE,          /* as the section was created */
                                   NULL, 0);                /* no extended parameters */
    if (second == NULL) {
        error = GetLastError();
        (void)wm__os.UnmapViewOfFile(first); /* frees the first half's range */
        drop_placeholder(placeholder + size);
        return error;
    }
    *base = placeholder;
    return ERROR_SUCCESS;
}

/* One try of the remap way: find a free range, give it back, map twice into it. */
static DWORD try_remap(HANDLE section, SIZE_T size, unsigned char **base)
{
    unsigned char *range = NULL;
    void *first = NULL;
    void *second = NULL;
    BOOL released = FALSE;
    DWORD error = ERROR_SUCCESS;

    range = wm__os.VirtualAlloc(NULL, 2 * size, MEM_RESERVE, /* only to find a free range */
                                PAGE_NOACCESS);              /* never touched */
    if (range == NULL) {
        return GetLastError();
    }
    released = wm__os.VirtualFree(range, 0,     /* API rule: 0 with MEM_RELEASE */
                                  MEM_RELEASE); /* free it again for the views */
    if (!released) {
        return GetLastError(); /* still reserved: the next try looks for another range */
    }
    /* From here another thread may allocate in the range: then a map fails, and we retry. */
    first = wm__os.MapViewOfFileEx(section, FILE_MAP_ALL_ACCESS, /* read and write */
                                   0, 0, size, range);           /* offset 0, at range */
    if (first == NULL) {
        return GetLastError();
    }
    second = wm__os.MapViewOfFileEx(section, FILE_MAP_ALL_ACCESS, /* read and write */
                                    0, 0, size, range + size);    /* offset 0, right after */
    if (second == NULL) {
        error = GetLastError();
        (void)wm__os.UnmapViewOfFile(first);
        return error;
    }
    *base = range;
    return ERROR_SUCCESS;
}

DWORD wm_ring_create(SIZE_T size, wm_ring_method_t method, wm_ring_t *ring)
{
    SYSTEM_INFO system;
    HANDLE section = NULL;
    unsigned char *base = NULL;
    SIZE_T granule_mask = 0;
    SIZE_T rounded = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD placeholder_error = ERROR_SUCCESS;
    unsigned attempt = 0;
    wm_ring_method_t used = WM_RING_PLACEHOLDER;

    if (ring == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(ring, 0, sizeof *ring);
    if (size == 0 ||
        (method != WM_RING_ANY && method != WM_RING_PLACEHOLDER && method != WM_RING_REMAP)) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    granule_mask = (SIZE_T)system.dwAllocationGranularity - 1;
    if (size > ((SIZE_T)-1 >> 1) - granule_mask) {
        return ERROR_ARITHMETIC_OVERFLOW; /* 2 x size must fit too */
    }
    rounded = (size + granule_mask) & ~granule_mask;

    section = wm__os.CreateFileMappingW(INVALID_HANDLE_VALUE, /* backed by the page file */
                                        NULL,                 /* default security, no inherit */
                                        PAGE_READWRITE,       /* committed at once: SEC_COMMIT */
                                        WM_HIGH_DWORD(rounded), WM_LOW_DWORD(rounded),
                                        NULL); /* unnamed: private to this process */
    if (section == NULL) {
        return GetLastError();
    }

    error = ERROR_NOT_SUPPORTED;
    if (method != WM_RING_REMAP) {
        error = map_with_placeholders(section, rounded, &base);
        placeholder_error = error;
    }
    if (error != ERROR_SUCCESS && method != WM_RING_PLACEHOLDER) {
        used = WM_RING_REMAP;
        for (attempt = 1; attempt <= WM_RING_ATTEMPTS; attempt++) {
            error = try_remap(section, rounded, &base);
            if (error == ERROR_SUCCESS) {
                break;
            }
        }
    }
    if (error != ERROR_SUCCESS) {
        (void)wm__os.CloseHandle(section); /* the first error is the one to report */
        return error;
    }
    ring->base = base;
    ring->size = rounded;
    ring->section = section;
    ring->method = used;
    ring->placeholder_error = placeholder_error;
    ring->attempts = used == WM_RING_REMAP ? attempt : 0;
    return ERROR_SUCCESS;
}

DWORD wm_ring_destroy(wm_ring_t *ring)
{
    BOOL ok = FALSE;
    DWORD error = ERROR_SUCCESS;

    if (ring == NULL || ring->base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    /* In reverse order of creation: the second view, the first, then the section. Each
     * step that succeeded is recorded, so a failed destroy can be called again. */
    if (ring->size != 0) {
        ok = wm__os.UnmapViewOfFile(ring->base + ring->size);
        if (!ok) {
            return GetLastError();
        }
        ring->size = 0; /* marks the second view gone */
    }
    ok = wm__os.UnmapViewOfFile(ring->base);
    if (!ok) {
        return GetLastError();
    }
    ok = wm__os.CloseHandle(ring->section);
    if (!ok) {
        error = GetLastError();
        ring->base = NULL;
        return error;
    }
    memset(ring, 0, sizeof *ring);
    return ERROR_SUCCESS;
}

DWORD wm_ring_write(wm_ring_t *ring, const void *data, SIZE_T length)
{
    SIZE_T offset = 0;

    if (ring == NULL || ring->base == NULL || (data == NULL && length != 0)) {
        return ERROR_INVALID_PARAMETER;
    }
    if (length > ring->size - (SIZE_T)(ring->head - ring->tail)) {
        return ERROR_INSUFFICIENT_BUFFER;
    }
    offset = (SIZE_T)(ring->head % ring->size);
    /* offset < size and length <= size: the block ends inside the second view. */
    memcpy(ring->base + offset, data, length);
    ring->head += length;
    return ERROR_SUCCESS;
}

DWORD wm_ring_read(wm_ring_t *ring, void *data, SIZE_T length)
{
    SIZE_T offset = 0;

    if (ring == NULL || ring->base == NULL || (data == NULL && length != 0)) {
        return ERROR_INVALID_PARAMETER;
    }
    if (length > (SIZE_T)(ring->head - ring->tail)) {
        return ERROR_NO_DATA;
    }
    offset = (SIZE_T)(ring->tail % ring->size);
    memcpy(data, ring->base + offset, length);
    ring->tail += length;
    return ERROR_SUCCESS;
}

const char *wm_ring_method_name(wm_ring_method_t method)
{
    switch (method) {
    case WM_RING_PLACEHOLDER:
        return "placeholders (VirtualAlloc2 + MapViewOfFile3)";
    case WM_RING_REMAP:
        return "reserve, release, MapViewOfFileEx twice";
    case WM_RING_ANY:
    default:
        return "?";
    }
}
