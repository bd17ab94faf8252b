/* airwrite platform: regions of location-bound writing (境外禁写): the
 * region file format (docs/location.md "Region files"), its strict parser,
 * the even-odd point-in-polygon test, great-circle distance and the MCC ->
 * country table (ITU-T E.212 Annex "List of Mobile Country Codes", ISO
 * 3166-1 alpha-2 names).
 *
 * A region file is UTF-8-free ASCII text, one statement a line ("\n"):
 *   # comment                 anywhere
 *   region <name>             first statement, once: 1..32 of [A-Za-z0-9_-]
 *   country <XX>              optional, once, before the first polygon
 *   polygon                   a new polygon; the vertex lines after it are its outer ring
 *   hole                      a hole of the current polygon; its vertex lines follow
 *   <longitude> <latitude>    a vertex in WGS-84 degrees: -?D{1,3}(.D{1,9})?, one space
 * Each ring has 3..LOCATION_REGION_VERTICES_MAX vertices (a last vertex
 * equal to the first is the closing one and dropped); longitudes are not
 * wrapped, so no ring may cross the antimeridian. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "platform/location_policy.h"

#define LINE_MAX_BYTES 128u
#define EARTH_RADIUS_M 6371008.8 /* IUGG mean radius */
#define DEGREES_TO_RADIANS (3.14159265358979323846 / 180.0)

bool location_region_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > LOCATION_REGION_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* -?D{1,3}(.D{1,9})? exactly; no locale, no exponent. */
static bool parse_degrees(const char *text, size_t len, double *out)
{
    size_t i = 0;
    bool negative = false;
    if (i < len && text[i] == '-') {
        negative = true;
        i++;
    }
    size_t start = i;
    double value = 0;
    while (i < len && text[i] >= '0' && text[i] <= '9' && i - start < 3)
        value = value * 10 + (text[i++] - '0');
    if (i == start)
        return false;
    if (i < len && text[i] == '.') {
        i++;
        size_t fraction_start = i;
        double scale = 0.1;
        while (i < len && text[i] >= '0' && text[i] <= '9' && i - fraction_start < 9) {
            value += (text[i++] - '0') * scale;
            scale /= 10;
        }
        if (i == fraction_start)
            return false;
    }
    if (i != len)
        return false;
    *out = negative ? -value : value;
    return true;
}

void location_region_free(location_region *region)
{
    if (region == NULL)
        return;
    free(region->points);
    free(region->rings);
    free(region->polygons);
    free(region);
}

/* The ring being filled ends: drop a closing vertex, require 3. */
static bool ring_close(location_region *r)
{
    if (r->ring_count == 0)
        return true;
    location_ring *ring = &r->rings[r->ring_count - 1];
    if (ring->count >= 2) {
        const location_point *first = &r->points[ring->first];
        const location_point *last = &r->points[ring->first + ring->count - 1];
        if (first->longitude == last->longitude && first->latitude == last->latitude) {
            ring->count--;
            r->point_count--;
        }
    }
    return ring->count >= 3;
}

/* A new ring of the current polygon, the ring before it already closed. */
static bool ring_open(location_region *r)
{
    if (r->polygon_count == 0 || r->ring_count >= LOCATION_REGION_RINGS_MAX)
        return false;
    r->rings[r->ring_count++] = (location_ring){.first = r->point_count, .count = 0};
    r->polygons[r->polygon_count - 1].ring_count++;
    return true;
}

static bool parse_vertex(location_region *r, const char *line, size_t len)
{
    const char *space = memchr(line, ' ', len);
    double longitude = 0, latitude = 0;
    if (r->ring_count == 0 || space == NULL ||
        !parse_degrees(line, (size_t)(space - line), &longitude) ||
        !parse_degrees(space + 1, len - (size_t)(space - line) - 1, &latitude) ||
        longitude < -180 || longitude > 180 || latitude < -90 || latitude > 90 ||
        r->point_count >= LOCATION_REGION_VERTICES_MAX)
        return false;
    r->points[r->point_count++] = (location_point){.longitude = longitude, .latitude = latitude};
    r->rings[r->ring_count - 1].count++;
    return true;
}

static bool keyword(const char *line, size_t len, const char *word, const char **argument,
                    size_t *argument_len)
{
    size_t n = strlen(word);
    if (len < n || memcmp(line, word, n) != 0)
        return false;
    if (argument == NULL)
        return len == n;
    if (len <= n + 1 || line[n] != ' ')
        return false;
    *argument = line + n + 1;
    *argument_len = len - n - 1;
    return true;
}

static bool parse_line(location_region *r, const char *line, size_t len)
{
    const char *argument = NULL;
    size_t argument_len = 0;
    if (len == 0 || line[0] == '#')
        return true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7E)
            return false;
    if (keyword(line, len, "region", &argument, &argument_len)) {
        if (r->name[0] != '\0' || !location_region_name_valid(argument, argument_len))
            return false;
        memcpy(r->name, argument, argument_len);
        r->name[argument_len] = '\0';
        return true;
    }
    if (r->name[0] == '\0')
        return false; /* "region" comes first */
    if (keyword(line, len, "country", &argument, &argument_len)) {
        if (r->country[0] != '\0' || r->polygon_count != 0 || argument_len != 2 ||
            argument[0] < 'A' || argument[0] > 'Z' || argument[1] < 'A' || argument[1] > 'Z')
            return false;
        memcpy(r->country, argument, 2);
        r->country[2] = '\0';
        return true;
    }
    if (keyword(line, len, "polygon", NULL, NULL)) {
        if (!ring_close(r) || r->polygon_count >= LOCATION_REGION_POLYGONS_MAX)
            return false;
        r->polygons[r->polygon_count++] =
            (location_polygon){.first_ring = r->ring_count, .ring_count = 0};
        return ring_open(r);
    }
    if (keyword(line, len, "hole", NULL, NULL))
        return ring_close(r) && ring_open(r);
    return parse_vertex(r, line, len);
}

aw_err location_region_parse(const uint8_t *text, size_t len, location_region **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (text == NULL || len == 0 || len > LOCATION_REGION_FILE_MAX)
        return AW_ERR_LOCATION_REGION;
    /* each vertex and ring takes a line: the lines bound the arrays */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    size_t points = lines < LOCATION_REGION_VERTICES_MAX ? lines : LOCATION_REGION_VERTICES_MAX;
    size_t rings = lines < LOCATION_REGION_RINGS_MAX ? lines : LOCATION_REGION_RINGS_MAX;
    size_t polygons = lines < LOCATION_REGION_POLYGONS_MAX ? lines : LOCATION_REGION_POLYGONS_MAX;
    location_region *r = calloc(1, sizeof(*r));
    aw_err err = AW_ERR_NOMEM;
    if (r == NULL)
        goto cleanup;
    r->points = calloc(points, sizeof(*r->points));
    r->rings = calloc(rings, sizeof(*r->rings));
    r->polygons = calloc(polygons, sizeof(*r->polygons));
    if (r->points == NULL || r->rings == NULL || r->polygons == NULL)
        goto cleanup;
    err = AW_ERR_LOCATION_REGION;
    size_t start = 0;
    while (start < len) {
        const uint8_t *newline = memchr(text + start, '\n', len - start);
        size_t end = newline != NULL ? (size_t)(newline - text) : len;
        if (end - start > LINE_MAX_BYTES || !parse_line(r, (const char *)text + start, end - start))
            goto cleanup;
        start = end + 1;
    }
    if (r->polygon_count == 0 || !ring_close(r))
        goto cleanup;
    *out = r;
    r = NULL;
    err = AW_OK;
cleanup:
    location_region_free(r);
    return err;
}

aw_err location_region_load(const char *directory, const char *name, location_region **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (directory == NULL || name == NULL || !location_region_name_valid(name, strlen(name)))
        return AW_ERR_LOCATION_REGION;
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s.region", directory, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return AW_ERR_ARGUMENT;
    uint8_t *text = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, LOCATION_REGION_FILE_MAX, &text, &len);
    if (err == AW_ERR_LIMIT)
        err = AW_ERR_LOCATION_REGION;
    if (err == AW_OK)
        err = location_region_parse(text, len, out);
    /* the file must call itself what it was asked for */
    if (err == AW_OK && strcmp((*out)->name, name) != 0) {
        location_region_free(*out);
        *out = NULL;
        err = AW_ERR_LOCATION_REGION;
    }
    free(text);
    return err;
}

/* Even-odd crossing count of a horizontal ray east of the point. */
static bool ring_crosses_odd(const location_region *r, const location_ring *ring,
                             double latitude, double longitude)
{
    bool odd = false;
    for (size_t i = 0, j = ring->count - 1; i < ring->count; j = i++) {
        const location_point *a = &r->points[ring->first + i];
        const location_point *b = &r->points[ring->first + j];
        if ((a->latitude > latitude) != (b->latitude > latitude) &&
            longitude < (b->longitude - a->longitude) * (latitude - a->latitude) /
                                (b->latitude - a->latitude) +
                            a->longitude)
            odd = !odd;
    }
    return odd;
}

bool location_region_contains(const location_region *region, double latitude, double longitude)
{
    if (region == NULL || !isfinite(latitude) || !isfinite(longitude))
        return false;
    for (size_t p = 0; p < region->polygon_count; p++) {
        const location_polygon *polygon = &region->polygons[p];
        bool odd = false;
        /* the even-odd rule over the outer ring and its holes together */
        for (size_t k = 0; k < polygon->ring_count; k++)
            if (ring_crosses_odd(region, &region->rings[polygon->first_ring + k], latitude,
                                 longitude))
                odd = !odd;
        if (odd)
            return true;
    }
    return false;
}

double location_distance_m(double latitude1, double longitude1, double latitude2,
                           double longitude2)
{
    double phi1 = latitude1 * DEGREES_TO_RADIANS, phi2 = latitude2 * DEGREES_TO_RADIANS;
    double dphi = phi2 - phi1, dlambda = (longitude2 - longitude1) * DEGREES_TO_RADIANS;
    double h = sin(dphi / 2) * sin(dphi / 2) +
               cos(phi1) * cos(phi2) * sin(dlambda / 2) * sin(dlambda / 2);
    if (h > 1)
        h = 1;
    return 2 * EARTH_RADIUS_M * asin(sqrt(h));
}

/* ITU-T E.212 MCCs of China, its neighbours and frequent roaming
 * destinations; an MCC not listed is an unknown country (a cell fix then
 * counts as outside every country region). */
static const struct {
    const char mcc[4];
    const char country[3];
} mcc_countries[] = {
    {"202", "GR"}, {"204", "NL"}, {"208", "FR"}, {"214", "ES"}, {"222", "IT"}, {"228", "CH"},
    {"232", "AT"}, {"234", "GB"}, {"235", "GB"}, {"238", "DK"}, {"240", "SE"}, {"242", "NO"},
    {"244", "FI"}, {"250", "RU"}, {"260", "PL"}, {"262", "DE"}, {"302", "CA"}, {"310", "US"},
    {"311", "US"}, {"312", "US"}, {"313", "US"}, {"314", "US"}, {"315", "US"}, {"316", "US"},
    {"334", "MX"}, {"401", "KZ"}, {"402", "BT"}, {"404", "IN"}, {"405", "IN"}, {"406", "IN"},
    {"410", "PK"}, {"412", "AF"}, {"414", "MM"}, {"424", "AE"}, {"428", "MN"}, {"429", "NP"},
    {"436", "TJ"}, {"437", "KG"}, {"440", "JP"}, {"441", "JP"}, {"450", "KR"}, {"452", "VN"},
    {"454", "HK"}, {"455", "MO"}, {"456", "KH"}, {"457", "LA"}, {"460", "CN"}, {"461", "CN"},
    {"466", "TW"}, {"467", "KP"}, {"470", "BD"}, {"502", "MY"}, {"505", "AU"}, {"510", "ID"},
    {"515", "PH"}, {"520", "TH"}, {"525", "SG"}, {"530", "NZ"}, {"724", "BR"},
};

const char *location_country_of_mcc(const char *mcc)
{
    if (mcc == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(mcc_countries) / sizeof(mcc_countries[0]); i++)
        if (strcmp(mcc_countries[i].mcc, mcc) == 0)
            return mcc_countries[i].country;
    return NULL;
}
