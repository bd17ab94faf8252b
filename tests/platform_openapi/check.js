// Checks docs/openapi.yaml and the platform API's real responses against it
// (run by tests/test_platform_openapi.sh with NODE_PATH at the installed tools).
//   node check.js docs/openapi.yaml responses.jsonl
// 1. The document is valid OpenAPI 3.1 (@apidevtools/swagger-parser).
// 2. Every recorded response (one JSON line per call of the API tests:
//    method, path, status, headers, body) is documented: its path, its
//    method (or a 405 from the method-not-allowed answer), its status; its
//    required headers are present and match their schemas; its body matches
//    the JSON schema of the response (Ajv, JSON Schema 2020-12).
// 3. The tests exercised every operation with a 200 and every error code of
//    the ErrorCode enum except the I9xxx platform failures.
'use strict';
const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020');

function fail(message) {
    console.error('FAIL: ' + message);
    process.exitCode = 1;
}

// The path item of a concrete path: exact, or a template whose {name}
// segments match one non-empty segment each.
function findPathItem(paths, path) {
    if (paths[path] !== undefined)
        return paths[path];
    for (const [template, item] of Object.entries(paths)) {
        if (!template.includes('{'))
            continue;
        const pattern = '^' + template.split(/\{[^}]+\}/).map(
            (part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+') + '$';
        if (new RegExp(pattern).test(path))
            return item;
    }
    return undefined;
}

function headerValue(headers, name) {
    for (const [key, value] of Object.entries(headers)) {
        if (key.toLowerCase() === name.toLowerCase())
            return value;
    }
    return undefined;
}

async function main() {
    const [specPath, recordPath] = process.argv.slice(2);
    await SwaggerParser.validate(specPath);
    const api = await SwaggerParser.dereference(specPath);
    console.log(`${specPath}: valid OpenAPI ${api.openapi}`);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validators = new Map();
    const validate = (schema, value) => {
        if (!validators.has(schema))
            validators.set(schema, ajv.compile(schema));
        const v = validators.get(schema);
        return v(value) ? null : ajv.errorsText(v.errors);
    };

    const lines = fs.readFileSync(recordPath, 'utf8').split('\n').filter((l) => l.length > 0);
    const seenOk = new Set();
    const seenCodes = new Set();
    let checked = 0;
    for (const [index, line] of lines.entries()) {
        const r = JSON.parse(line);
        const where = `response ${index + 1} (${r.method} ${r.path} -> ${r.status})`;
        const pathItem = findPathItem(api.paths, r.path);
        const operation = pathItem && pathItem[r.method.toLowerCase()];
        let response;
        if (pathItem === undefined) {
            // a path no route has: I1006 404 with an Error body
            if (r.status !== 404)
                fail(`${where}: path not in the document and not answered 404`);
            response = api.components.responses.NotFound;
        } else if (operation === undefined) {
            if (r.status !== 405)
                fail(`${where}: method not in the document and not answered 405`);
            response = api.components.responses.MethodNotAllowed;
        } else {
            response = operation.responses[String(r.status)];
            if (response === undefined) {
                fail(`${where}: status not documented for the operation`);
                continue;
            }
            if (r.status === 200 || r.status === 202) // 202: accepted card operations
                seenOk.add(operation.operationId);
        }
        for (const [name, header] of Object.entries(response.headers || {})) {
            const value = headerValue(r.headers, name);
            if (value === undefined) {
                if (header.required)
                    fail(`${where}: required header ${name} missing`);
                continue;
            }
            const typed = header.schema.type === 'integer' ? Number(value) : value;
            const error = validate(header.schema, typed);
            if (error !== null)
                fail(`${where}: header ${name}: ${error}`);
        }
        const media = response.content && response.content['application/json'];
        if (media === undefined) {
            fail(`${where}: no application/json content documented`);
            continue;
        }
        const error = validate(media.schema, r.body);
        if (error !== null)
            fail(`${where}: body: ${error}`);
        if (r.status !== 200 && r.body !== null && typeof r.body.code === 'string')
            seenCodes.add(r.body.code);
        checked++;
    }
    for (const [path, item] of Object.entries(api.paths)) {
        for (const [method, operation] of Object.entries(item)) {
            if (!seenOk.has(operation.operationId))
                fail(`${method.toUpperCase()} ${path}: no 200 (202) response exercised`);
        }
    }
    for (const code of api.components.schemas.ErrorCode.enum) {
        if (!code.startsWith('I9') && !seenCodes.has(code))
            fail(`error code ${code} never exercised by the tests`);
    }
    console.log(`${checked} responses checked; codes seen: ${[...seenCodes].sort().join(' ')}`);
}

main().catch((e) => {
    fail(e.message);
});
