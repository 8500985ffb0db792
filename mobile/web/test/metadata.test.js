// The JS metadata reader against files written by the Python code (mobile/golden/metadata) and the
// field table of mobile/METADATA.md.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';

import {checkModelShapes, checkPoseInfo, ModelFileError, POSE_FIELDS, readMetadata} from '../src/metadata.js';

const GOLDEN = new URL('../../golden/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('metadata.json', GOLDEN)));
const file = (name) => new Uint8Array(readFileSync(new URL(`metadata/${name}`, GOLDEN)));

function documentedFields() {
  const text = readFileSync(new URL('../../METADATA.md', import.meta.url), 'utf8');
  const table = text.split('<!-- fields:begin -->')[1].split('<!-- fields:end -->')[0];
  return table.split('\n').map((line) => line.match(/^\| `([^`]+)` \|/)).filter(Boolean).map((m) => m[1]);
}

for (const [name, want] of Object.entries(expected)) {
  test(`readMetadata(${name}) agrees with the Python reader`, () => {
    if (want.info) {
      assert.deepEqual(readMetadata(file(name)), want.info);
    } else {
      assert.throws(() => readMetadata(file(name)), (err) => err instanceof ModelFileError && err.kind === want.error);
    }
  });
}

test('every cut of the pose file is told apart from a valid one', () => {
  const bytes = file('pose.tflite');
  for (let n = 0; n < bytes.length; n += 7) {
    assert.throws(() => readMetadata(bytes.subarray(0, n)), ModelFileError, `cut at ${n}`);
  }
});

test('messages say what is wrong and what to do', () => {
  const message = (name) => { try { readMetadata(file(name)); } catch (err) { return err.message; } return ''; };
  assert.match(message('no_metadata.tflite'), /no hrkeras metadata.*hrkeras convert/);
  assert.match(message('truncated.tflite'), /truncated or damaged/);
  assert.match(message('not_tflite.tflite'), /not a TFLite model/);
  assert.throws(() => checkPoseInfo(readMetadata(file('classification.tflite'))),
    (err) => err.kind === 'not-pose' && /not "pose"/.test(err.message));
});

test('POSE_FIELDS are exactly the fields documented in mobile/METADATA.md', () => {
  assert.deepEqual(Object.keys(POSE_FIELDS).sort(), documentedFields().sort());
});

test('the pose file passes the pose checks; a missing or bad field is named', () => {
  const info = readMetadata(file('pose.tflite'));
  assert.equal(checkPoseInfo(info), info);
  const broken = structuredClone(info);
  delete broken.output.codec.decode;
  broken.input.std = [1, 0, 1];
  assert.throws(() => checkPoseInfo(broken), /output\.codec\.decode/);
  assert.throws(() => checkPoseInfo(broken), /input\.std/);
});

test('model shapes must match the metadata', () => {
  const info = readMetadata(file('pose.tflite'));
  checkModelShapes(info, [1, 16, 16, 3], [1, 4, 4, 17]);
  assert.throws(() => checkModelShapes(info, [1, 224, 224, 3], [1, 1000]), (err) => err.kind === 'not-pose');
});
