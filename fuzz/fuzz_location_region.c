/* libFuzzer target: the region file parser of location-bound writing
 * (src/platform/location_region.c, docs/location.md "Region files"), which
 * reads operator data files and tenants' inline regions from the API.
 * Properties checked beyond "no crash":
 * - an accepted region is consistent: every polygon's rings and every
 *   ring's vertices lie within the arrays, each ring has 3 or more
 *   vertices, the counts are within the documented bounds, every vertex
 *   within -180..180 / -90..90;
 * - the point-in-polygon test answers for points on and around vertices. */
#include <stdlib.h>
#include <string.h>

#include "platform/location_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const location_region *r)
{
    if (r->polygon_count == 0 || r->polygon_count > LOCATION_REGION_POLYGONS_MAX ||
        r->ring_count > LOCATION_REGION_RINGS_MAX ||
        r->point_count > LOCATION_REGION_VERTICES_MAX || r->name[0] == '\0')
        abort();
    for (size_t p = 0; p < r->polygon_count; p++) {
        const location_polygon *polygon = &r->polygons[p];
        if (polygon->ring_count == 0 || polygon->first_ring + polygon->ring_count > r->ring_count)
            abort();
    }
    for (size_t i = 0; i < r->ring_count; i++)
        if (r->rings[i].count < 3 || r->rings[i].first + r->rings[i].count > r->point_count)
            abort();
    for (size_t i = 0; i < r->point_count; i++) {
        const location_point *v = &r->points[i];
        if (v->longitude < -180 || v->longitude > 180 || v->latitude < -90 || v->latitude > 90)
            abort();
        (void)location_region_contains(r, v->latitude, v->longitude);
        (void)location_region_contains(r, v->latitude + 1e-3, v->longitude - 1e-3);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    location_region *region = NULL;
    aw_err err = location_region_parse(data, size, &region);
    if ((err == AW_OK) != (region != NULL))
        abort();
    if (region != NULL)
        check(region);
    location_region_free(region);
    return 0;
}
