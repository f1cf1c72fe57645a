/*
 * mapped_files.c - memory-mapped files: a file and its section, views at any offset, views
 * slid over a whole file, and an in-place transform through one view.
 *
 * Rules, from Microsoft Learn (CreateFileMappingW, MapViewOfFileEx, UnmapViewOfFile,
 * FlushViewOfFile, FlushFileBuffers, "Creating a View Within a File"):
 *  - CreateFileMappingW fails with NULL (not INVALID_HANDLE_VALUE).
 *  - MapViewOfFileEx's offset is a multiple of the allocation granularity.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_mapped_files.h"

#include <string.h>

#include "wm_os.h"
#include "wm_system.h"

static DWORD granularity_of_system(DWORD *granularity)
{
    wm_system_t system;
    DWORD error = wm_system_query(&system);

    if (error != ERROR_SUCCESS) {
        return error;
    }
    *granularity = system.allocation_granularity;
    return ERROR_SUCCESS;
}

static void view_reset(wm_view_t *view)
{
    view->base = NULL;
    view->data = NULL;
    view->length = 0;
    view->offset = 0;
}

DWORD wm_view_map_exact(HANDLE mapping, DWORD access, ULONGLONG offset, SIZE_T length, void **base)
{
    void *mapped = NULL;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *base = NULL;
    if (mapping == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    mapped = wm__os.MapViewOfFileEx(mapping, access, (DWORD)(offset >> 32), /* offset, high */
                                    (DWORD)(offset & 0xFFFFFFFFu),          /* offset, low */
                                    length, NULL); /* NULL: the system picks the address */
    if (mapped == NULL) {
        return GetLastError();
    }
    *base = mapped;
    return ERROR_SUCCESS;
}

DWORD wm_view_map(HANDLE mapping, DWORD access, ULONGLONG offset, SIZE_T length, wm_view_t *view)
{
    DWORD granularity = 0;
    ULONGLONG aligned = 0;
    SIZE_T slack = 0;
    SIZE_T mapped_length = 0;
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;

    if (view == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    view_reset(view);
    if (mapping == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = granularity_of_system(&granularity);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    /* MapViewOfFileEx: the file offset (high and low DWORDs together) has to be a multiple of
     * the allocation granularity, or the call fails. Map from the boundary below and hand
     * back a pointer to the byte asked for. */
    aligned = offset - offset % granularity;
    slack = (SIZE_T)(offset - aligned); /* less than the granularity: fits */
    if (length != 0) {
        if (length > (SIZE_T)-1 - slack) {
            return ERROR_ARITHMETIC_OVERFLOW;
        }
        mapped_length = length + slack;
    }
    error = wm_view_map_exact(mapping, access, aligned, mapped_length, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    view->base = base;
    view->data = (unsigned char *)base + slack;
    view->length = length;
    view->offset = offset;
    return ERROR_SUCCESS;
}

DWORD wm_view_unmap(wm_view_t *view)
{
    BOOL ok = FALSE;

    if (view == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (view->base == NULL) {
        return ERROR_SUCCESS;
    }
    /* UnmapViewOfFile takes the address MapViewOfFileEx returned, not view->data. */
    ok = wm__os.UnmapViewOfFile(view->base);
    if (!ok) {
        return GetLastError();
    }
    view_reset(view);
    return ERROR_SUCCESS;
}

DWORD wm_view_flush(const wm_view_t *view, HANDLE file)
{
    BOOL ok = FALSE;

    if (view == NULL || view->base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    /* FlushViewOfFile: size 0 means from the address to the end of the view. It only starts
     * writing the dirty pages and leaves the file's metadata alone; the page says that
     * durable data needs FlushFileBuffers after it. */
    ok = wm__os.FlushViewOfFile(view->base, 0); /* 0: the whole view */
    if (!ok) {
        return GetLastError();
    }
    if (file == INVALID_HANDLE_VALUE) {
        return ERROR_SUCCESS;
    }
    ok = wm__os.FlushFileBuffers(file);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

static void mapped_reset(wm_mapped_file_t *mapped, wm_map_access_t access)
{
    mapped->file = INVALID_HANDLE_VALUE;
    mapped->mapping = NULL;
    mapped->size = 0;
    mapped->access = access;
}

DWORD wm_mapped_file_open(const wchar_t *path, wm_map_access_t access, ULONGLONG size,
                          wm_mapped_file_t *mapped)
{
    HANDLE file = INVALID_HANDLE_VALUE;
    HANDLE mapping = NULL;
    LARGE_INTEGER file_size;
    DWORD desired = GENERIC_READ;
    DWORD protect = PAGE_READONLY;
    ULONGLONG mapping_size = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    if (mapped == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    mapped_reset(mapped, access);
    if (path == NULL || path[0] == L'\0' ||
        (access != WM_MAP_READ && access != WM_MAP_WRITE && access != WM_MAP_COPY)) {
        return ERROR_INVALID_PARAMETER;
    }
    if (access == WM_MAP_WRITE) {
        desired = GENERIC_READ | GENERIC_WRITE;
        protect = PAGE_READWRITE;
    } else if (access == WM_MAP_COPY) {
        /* A copy-on-write section needs only read access to the file: the private copies
         * live in the page file (CreateFileMappingW, PAGE_WRITECOPY). */
        protect = PAGE_WRITECOPY;
    }
    file = wm__os.CreateFileW(path, desired,
                              FILE_SHARE_READ | FILE_SHARE_WRITE |
                                  FILE_SHARE_DELETE, /* others may hold it, even to delete */
                              NULL,                  /* default security, not inherited */
                              OPEN_EXISTING,         /* never create: the file must exist */
                              FILE_ATTRIBUTE_NORMAL, /* no special flags */
                              NULL);                 /* no template */
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    ok = wm__os.GetFileSizeEx(file, &file_size);
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }
    mapping_size = (ULONGLONG)file_size.QuadPart;
    if (size != 0 && size != mapping_size) {
        /* Only a writable mapping may be larger than its file: it grows the file
         * (CreateFileMappingW); a smaller one would be legal but maps less than asked. */
        if (access != WM_MAP_WRITE || size < mapping_size) {
            error = ERROR_INVALID_PARAMETER;
            goto cleanup;
        }
        mapping_size = size;
    }
    /* Sizes 0, 0 map the file as it is; an empty file fails with ERROR_FILE_INVALID. */
    mapping = wm__os.CreateFileMappingW(file, NULL, /* default security */
                                        protect,    /* what views may do: see above */
                                        (DWORD)(size == 0 ? 0 : mapping_size >> 32),
                                        (DWORD)(size == 0 ? 0 : mapping_size & 0xFFFFFFFFu),
                                        NULL); /* unnamed: only handles reach it */
    if (mapping == NULL) {
        error = GetLastError();
        goto cleanup;
    }
    mapped->file = file;
    mapped->mapping = mapping;
    mapped->size = mapping_size;
    return ERROR_SUCCESS;

cleanup:
    ok = wm__os.CloseHandle(file);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

DWORD wm_mapped_file_close(wm_mapped_file_t *mapped)
{
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    if (mapped == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (mapped->mapping != NULL) {
        ok = wm__os.CloseHandle(mapped->mapping);
        if (!ok) {
            error = GetLastError();
        }
        mapped->mapping = NULL;
    }
    if (mapped->file != INVALID_HANDLE_VALUE) {
        ok = wm__os.CloseHandle(mapped->file);
        if (!ok && error == ERROR_SUCCESS) {
            error = GetLastError();
        }
        mapped->file = INVALID_HANDLE_VALUE;
    }
    mapped->size = 0;
    return error;
}

DWORD wm_mapped_file_view(const wm_mapped_file_t *mapped, ULONGLONG offset, SIZE_T length,
                          wm_view_t *view)
{
    DWORD access = FILE_MAP_READ;
    ULONGLONG remaining = 0;

    if (view == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    view_reset(view);
    if (mapped == NULL || mapped->mapping == NULL || offset >= mapped->size) {
        return ERROR_INVALID_PARAMETER;
    }
    remaining = mapped->size - offset;
    if (length == 0) {
        if (remaining > (ULONGLONG)(SIZE_T)-1) {
            return ERROR_ARITHMETIC_OVERFLOW; /* the rest does not fit one view */
        }
        length = (SIZE_T)remaining;
    }
    if ((ULONGLONG)length > remaining) {
        return ERROR_INVALID_PARAMETER;
    }
    if (mapped->access == WM_MAP_WRITE) {
        access = FILE_MAP_WRITE; /* read and write */
    } else if (mapped->access == WM_MAP_COPY) {
        access = FILE_MAP_COPY; /* copy-on-write: written pages become private */
    }
    return wm_view_map(mapped->mapping, access, offset, length, view);
}

DWORD wm_mapped_file_walk(const wm_mapped_file_t *mapped, SIZE_T view_size,
                          wm_mapped_file_chunk_fn visit, void *context)
{
    wm_view_t view;
    DWORD granularity = 0;
    ULONGLONG offset = 0;
    SIZE_T length = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD unmap_error = ERROR_SUCCESS;
    int stop = 0;

    if (mapped == NULL || mapped->mapping == NULL || visit == NULL || view_size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    error = granularity_of_system(&granularity);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if (view_size % granularity != 0) {
        return ERROR_INVALID_PARAMETER; /* each view must start on the granularity */
    }
    view_reset(&view);
    while (offset < mapped->size) {
        length = view_size;
        if ((ULONGLONG)length > mapped->size - offset) {
            length = (SIZE_T)(mapped->size - offset);
        }
        error = wm_mapped_file_view(mapped, offset, length, &view);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        stop = visit(context, offset, view.data, view.length);
        unmap_error = wm_view_unmap(&view); /* one view at a time: the walk holds no more */
        if (unmap_error != ERROR_SUCCESS) {
            return unmap_error;
        }
        if (stop != 0) {
            return ERROR_CANCELLED;
        }
        offset += length;
    }
    return ERROR_SUCCESS;
}

static int count_bytes(void *context, ULONGLONG offset, const unsigned char *bytes, SIZE_T length)
{
    ULONGLONG *counts = (ULONGLONG *)context;
    SIZE_T i = 0;

    (void)offset;
    for (i = 0; i < length; i++) {
        counts[bytes[i]]++;
    }
    return 0;
}

DWORD wm_mapped_file_histogram(const wm_mapped_file_t *mapped, SIZE_T view_size,
                               ULONGLONG counts[256])
{
    if (counts == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(counts, 0, 256 * sizeof counts[0]);
    return wm_mapped_file_walk(mapped, view_size, count_bytes, counts);
}

DWORD wm_mapped_file_reverse(const wchar_t *path)
{
    wm_mapped_file_t mapped;
    wm_view_t view;
    LARGE_INTEGER probe;
    HANDLE file = INVALID_HANDLE_VALUE;
    unsigned char *low = NULL;
    unsigned char *high = NULL;
    unsigned char byte = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    if (path == NULL || path[0] == L'\0') {
        return ERROR_INVALID_PARAMETER;
    }
    mapped_reset(&mapped, WM_MAP_WRITE);
    view_reset(&view);
    /* An empty file cannot be mapped (ERROR_FILE_INVALID), and one byte is its own
     * reverse: look at the size first. */
    file = wm__os.CreateFileW(path, GENERIC_READ,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    ok = wm__os.GetFileSizeEx(file, &probe);
    if (!ok) {
        error = GetLastError();
    }
    ok = wm__os.CloseHandle(file);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    if (error != ERROR_SUCCESS || probe.QuadPart < 2) {
        return error;
    }
    error = wm_mapped_file_open(path, WM_MAP_WRITE, 0, &mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_mapped_file_view(&mapped, 0, 0, &view); /* 0: the whole file */
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }
    low = view.data;
    high = view.data + view.length - 1;
    while (low < high) {
        byte = *low;
        *low = *high;
        *high = byte;
        low++;
        high--;
    }
    error = wm_view_flush(&view, mapped.file);

cleanup:
    release_error = wm_view_unmap(&view);
    if (error == ERROR_SUCCESS) {
        error = release_error;
    }
    release_error = wm_mapped_file_close(&mapped);
    if (error == ERROR_SUCCESS) {
        error = release_error;
    }
    return error;
}
