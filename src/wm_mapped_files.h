/*
 * wm_mapped_files.h - memory-mapped files: a file and its section, views of any section at
 * any offset, and views slid over a whole file.
 *
 * A file mapping (a "section") is a kernel object that stands for the bytes of a file, or
 * for pagefile-backed memory when no file is given (wm_shared_memory.h). A view maps part
 * of a section into the address space: reading the view reads the file, page by page, as
 * page faults bring the pages in. Views of one section are coherent, in one process or in
 * many.
 *
 * Rules these wrappers follow (Microsoft Learn: CreateFileMappingW, MapViewOfFileEx,
 * UnmapViewOfFile, FlushViewOfFile, "Creating a View Within a File"):
 *  - A view's file offset must be a multiple of the allocation granularity (not the page
 *    size); wm_view_map rounds it down and hands back a pointer to the byte asked for.
 *  - A mapping larger than its file grows the file (write access only); an empty file
 *    cannot be mapped at all (ERROR_FILE_INVALID).
 *  - FlushViewOfFile starts writing dirty pages; FlushFileBuffers waits until the file's
 *    data and metadata are on disk. Durability needs both.
 *  - Closing the mapping handle does not unmap its views; each view needs UnmapViewOfFile
 *    with the address MapViewOfFileEx returned.
 *
 * The error model is the library's (wm_error.h). Handles and views left in a struct after a
 * failure are always the sentinels (NULL, INVALID_HANDLE_VALUE), so a close is always safe.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_MAPPED_FILES_H
#define WM_MAPPED_FILES_H

#include <stddef.h>
#include <windows.h>

/* How a file is mapped. */
typedef enum wm_map_access_e
{
    WM_MAP_READ,  /* PAGE_READONLY section, FILE_MAP_READ views: the file is never written */
    WM_MAP_WRITE, /* PAGE_READWRITE section, FILE_MAP_WRITE views: writes reach the file */
    WM_MAP_COPY   /* PAGE_WRITECOPY section, FILE_MAP_COPY views: writes stay private */
} wm_map_access_t;

/* A file opened and mapped. Owned by the caller; release with wm_mapped_file_close. */
typedef struct wm_mapped_file_s
{
    HANDLE file;            /* CreateFileW's handle, or INVALID_HANDLE_VALUE */
    HANDLE mapping;         /* CreateFileMappingW's handle, or NULL */
    ULONGLONG size;         /* the section's size: the file's size, or the grown size */
    wm_map_access_t access; /* how it was mapped */
} wm_mapped_file_t;

/* One view. Owned by the caller; release with wm_view_unmap. */
typedef struct wm_view_s
{
    void *base;          /* what MapViewOfFileEx returned (granularity-aligned), or NULL */
    unsigned char *data; /* the byte at the offset asked for: base + (offset - aligned) */
    SIZE_T length;       /* bytes usable from data (0: the whole section, size not known) */
    ULONGLONG offset;    /* the offset asked for, in the section */
} wm_view_t;

/*
 * Opens the file at path and maps it. size 0 maps the whole file (an empty file fails with
 * ERROR_FILE_INVALID); a size larger than the file grows the file to size, which needs
 * WM_MAP_WRITE (others give ERROR_INVALID_PARAMETER). The file is opened sharing read,
 * write and delete, so a file created with FILE_FLAG_DELETE_ON_CLOSE can be mapped.
 * WM_MAP_READ and WM_MAP_COPY open the file for reading only: they never change it.
 * On failure *mapped holds the sentinels and nothing is left open.
 */
DWORD wm_mapped_file_open(const wchar_t *path, wm_map_access_t access, ULONGLONG size,
                          wm_mapped_file_t *mapped);

/* Closes the mapping, then the file (views stay valid until unmapped). Each close is
 * checked; the first error is returned and the fields are the sentinels afterwards. */
DWORD wm_mapped_file_close(wm_mapped_file_t *mapped);

/*
 * Maps length bytes of mapped's file from any offset: the view starts at the offset
 * rounded down to the allocation granularity and view->data points at the byte asked for.
 * offset + length must not pass mapped->size; length 0 means "to the end of the file".
 */
DWORD wm_mapped_file_view(const wm_mapped_file_t *mapped, ULONGLONG offset, SIZE_T length,
                          wm_view_t *view);

/*
 * Maps a view of any section handle with FILE_MAP_* access, rounding offset down like
 * wm_mapped_file_view. length 0 maps to the end of the section (view->length is then 0).
 */
DWORD wm_view_map(HANDLE mapping, DWORD access, ULONGLONG offset, SIZE_T length, wm_view_t *view);

/*
 * MapViewOfFileEx exactly as asked, without rounding: an offset that is not a multiple of
 * the allocation granularity fails with ERROR_MAPPED_ALIGNMENT. For teaching that rule.
 */
DWORD wm_view_map_exact(HANDLE mapping, DWORD access, ULONGLONG offset, SIZE_T length, void **base);

/* Unmaps view->base and sets the fields to NULL/0. A view with base NULL is a no-op. */
DWORD wm_view_unmap(wm_view_t *view);

/* Writes view's dirty pages (FlushViewOfFile), then, when file is not
 * INVALID_HANDLE_VALUE, waits for the file to reach the disk (FlushFileBuffers). */
DWORD wm_view_flush(const wm_view_t *view, HANDLE file);

/* Called by wm_mapped_file_walk for each view: bytes [offset, offset + length) of the file.
 * Return 0 to go on, anything else to stop (wm_mapped_file_walk then returns ERROR_CANCELLED). */
typedef int (*wm_mapped_file_chunk_fn)(void *context, ULONGLONG offset, const unsigned char *bytes,
                                       SIZE_T length);

/*
 * Walks the whole of mapped's file through views of view_size bytes (a non-zero multiple
 * of the allocation granularity), one view mapped at a time: files larger than the address
 * space, or than 4 GiB, walk the same way.
 */
DWORD wm_mapped_file_walk(const wm_mapped_file_t *mapped, SIZE_T view_size,
                          wm_mapped_file_chunk_fn visit, void *context);

/* Counts each byte value of mapped's file into counts (256 entries, zeroed first) with
 * wm_mapped_file_walk. */
DWORD wm_mapped_file_histogram(const wm_mapped_file_t *mapped, SIZE_T view_size,
                               ULONGLONG counts[256]);

/* Reverses the bytes of the file at path in place through one read-write view, flushes
 * and closes. 0 and 1 byte files are left as they are (and are not mapped: nothing to do). */
DWORD wm_mapped_file_reverse(const wchar_t *path);

#endif /* WM_MAPPED_FILES_H */
