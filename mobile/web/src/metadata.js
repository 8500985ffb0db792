// Reads the "hrkeras" metadata entry of a .tflite file from its flatbuffer bytes (LiteRT.js has no
// metadata API). A bounds-checked walk: every offset and vector length is checked against the file
// before it is followed, as hrkeras/convert/flatbuffer_metadata.py does. Field ids are those of
// tensorflow/lite/schema/schema.fbs. The fields of the entry are documented in mobile/METADATA.md.

export const NAME = 'hrkeras';
const MODEL_OPERATOR_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4, MODEL_METADATA = 6;
const METADATA_NAME = 0, METADATA_BUFFER = 1;
const BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2;

/** A file the page cannot use; `kind` is one of: not-tflite, truncated, no-metadata, bad-metadata, not-pose. */
export class ModelFileError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'ModelFileError';
    this.kind = kind;
  }
}

class Damaged extends Error {}

const SIZES = {u8: 1, u16: 2, i32: 4, u32: 4, u64: 8};

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  unpack(type, pos, what) {
    const size = SIZES[type];
    if (pos < 0 || pos + size > this.length) {
      throw new Damaged(`${what} at byte ${pos} lies outside the file's ${this.length} bytes`);
    }
    switch (type) {
      case 'u16': return this.view.getUint16(pos, true);
      case 'i32': return this.view.getInt32(pos, true);
      case 'u32': return this.view.getUint32(pos, true);
      case 'u64': return Number(this.view.getBigUint64(pos, true));
      default: return this.view.getUint8(pos);
    }
  }

  table(pos, what) {
    const vtable = pos - this.unpack('i32', pos, what);
    const vtableSize = this.unpack('u16', vtable, `${what}'s vtable`);
    const tableSize = this.unpack('u16', vtable + 2, `${what}'s vtable`);
    if (vtableSize < 4 || vtable + vtableSize > this.length || pos + tableSize > this.length) {
      throw new Damaged(`${what} at byte ${pos} has an impossible layout`);
    }
    return {pos, vtable, vtableSize};
  }

  /** The field's value (a scalar, or for type 'ref' the absolute position it points to); null if absent. */
  field(table, fieldId, type, what) {
    const slot = 4 + 2 * fieldId;
    const offset = slot + 2 <= table.vtableSize ? this.unpack('u16', table.vtable + slot, what) : 0;
    if (offset === 0) return null;
    if (type !== 'ref') return this.unpack(type, table.pos + offset, what);
    return table.pos + offset + this.unpack('u32', table.pos + offset, what);
  }

  vector(pos, elementSize, what) {
    const length = this.unpack('u32', pos, what);
    if (pos + 4 + length * elementSize > this.length) {
      throw new Damaged(`${what} claims ${length} entries, past the end of the file`);
    }
    return {start: pos + 4, length};
  }

  tableAt(vector, i, what) {
    const element = vector.start + 4 * i;
    return this.table(element + this.unpack('u32', element, what), what);
  }

  bytesAt(pos, what) {
    const {start, length} = this.vector(pos, 1, what);
    return this.bytes.subarray(start, start + length);
  }
}

function buffers(reader, root) {
  const pos = reader.field(root, MODEL_BUFFERS, 'ref', 'buffer list');
  return pos === null ? {start: 0, length: 0} : reader.vector(pos, 4, 'buffer list');
}

function bufferData(reader, root, index) {
  const list = buffers(reader, root);
  if (index >= list.length) {
    throw new Damaged(`metadata refers to buffer ${index}, but the file has ${list.length} buffers`);
  }
  const buffer = reader.tableAt(list, index, `buffer ${index}`);
  const dataPos = reader.field(buffer, BUFFER_DATA, 'ref', `data of buffer ${index}`);
  if (dataPos !== null) return reader.bytesAt(dataPos, `data of buffer ${index}`);
  const offset = reader.field(buffer, BUFFER_OFFSET, 'u64', `offset of buffer ${index}`) || 0;
  const size = reader.field(buffer, BUFFER_SIZE, 'u64', `size of buffer ${index}`) || 0;
  if (offset <= 1) return new Uint8Array(0);
  if (offset + size > reader.length) {
    throw new Damaged(`buffer ${index} (bytes ${offset} to ${offset + size}) ends past the end of the file`);
  }
  return reader.bytes.subarray(offset, offset + size);
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The data (Uint8Array) of the first metadata entry called `name`, or null; throws Damaged. */
function metadataEntry(bytes, name) {
  const reader = new Reader(bytes);
  const root = reader.table(reader.unpack('u32', 0, 'root table offset'), 'root table');
  for (const [field, what] of [[MODEL_OPERATOR_CODES, 'operator code'], [MODEL_SUBGRAPHS, 'subgraph']]) {
    const pos = reader.field(root, field, 'ref', `${what} list`);
    const tables = pos === null ? {start: 0, length: 0} : reader.vector(pos, 4, `${what} list`);
    for (let i = 0; i < tables.length; i++) reader.tableAt(tables, i, `${what} ${i}`);
  }
  const count = buffers(reader, root).length;
  for (let i = 0; i < count; i++) bufferData(reader, root, i);
  const entriesPos = reader.field(root, MODEL_METADATA, 'ref', 'metadata list');
  if (entriesPos === null) return null;
  const entries = reader.vector(entriesPos, 4, 'metadata list');
  const wanted = new TextEncoder().encode(name);
  for (let i = 0; i < entries.length; i++) {
    const entry = reader.tableAt(entries, i, `metadata entry ${i}`);
    const namePos = reader.field(entry, METADATA_NAME, 'ref', `name of metadata entry ${i}`);
    if (namePos !== null && sameBytes(reader.bytesAt(namePos, `name of metadata entry ${i}`), wanted)) {
      const index = reader.field(entry, METADATA_BUFFER, 'u32', `buffer of metadata entry ${i}`) || 0;
      return bufferData(reader, root, index);
    }
  }
  return null;
}

const FIX = 'convert the model again with `hrkeras convert` (or copy the whole file again)';

/** The "hrkeras" metadata object of .tflite bytes (Uint8Array); ModelFileError for anything else. */
export function readMetadata(bytes) {
  if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
  const tag = String.fromCharCode(...bytes.subarray(4, 8));
  if (bytes.length < 8 || tag !== 'TFL3') {
    throw new ModelFileError('not-tflite',
      `not a TFLite model (no 'TFL3' identifier; ${bytes.length} bytes): choose a .tflite file written by hrkeras convert`);
  }
  const rootOffset = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (rootOffset < 8 || rootOffset >= bytes.length) {
    throw new ModelFileError('truncated', `truncated or damaged .tflite (its root table lies outside the file); ${FIX}`);
  }
  let data;
  try {
    data = metadataEntry(bytes, NAME);
  } catch (err) {
    if (err instanceof Damaged) throw new ModelFileError('truncated', `truncated or damaged .tflite: ${err.message}; ${FIX}`);
    throw err;
  }
  if (data === null) {
    throw new ModelFileError('no-metadata',
      'this .tflite has no hrkeras metadata, so the page cannot tell its input size, normalization and ' +
      'keypoints: convert the model with `hrkeras convert`, which writes it');
  }
  let info;
  try {
    info = JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(data));
  } catch (err) {
    throw new ModelFileError('bad-metadata', `the hrkeras metadata of this .tflite is not JSON (${err.message}); ${FIX}`);
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    throw new ModelFileError('bad-metadata', `the hrkeras metadata of this .tflite is not a JSON object; ${FIX}`);
  }
  return info;
}

// The fields a pose model's metadata must have, with their checks (mobile/METADATA.md lists the same).
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isPosInt = (v) => Number.isInteger(v) && v > 0;
const numList = (n) => (v) => Array.isArray(v) && v.length === n && v.every(isNum);
const posIntPair = (v) => Array.isArray(v) && v.length === 2 && v.every(isPosInt);
const isStr = (v) => typeof v === 'string';
const strList = (v) => Array.isArray(v) && v.length > 0 && v.every(isStr);
const pairList = (v) => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isInteger));

export const POSE_FIELDS = {
  'hrkeras_version': isStr,
  'model': isStr,
  'task': (v) => v === 'pose',
  'quantization': isStr,
  'input.size': posIntPair,
  'input.layout': (v) => v === 'NHWC',
  'input.color': (v) => v === 'RGB',
  'input.pixel_range': numList(2),
  'input.mean': numList(3),
  'input.std': (v) => numList(3)(v) && v.every((s) => s > 0),
  'output.heatmap_size': posIntPair,
  'output.stride': isPosInt,
  'output.layout': (v) => v === 'NHWC',
  'output.codec.name': (v) => v === 'msra_heatmap',
  'output.codec.sigma': (v) => isNum(v) && v > 0,
  'output.codec.unbiased': (v) => typeof v === 'boolean',
  'output.codec.decode': (v) => ['dark', 'quarter', 'argmax'].includes(v),
  'output.codec.blur_kernel_size': (v) => isPosInt(v) && v % 2 === 1,
  'keypoints.names': strList,
  'keypoints.skeleton': pairList,
  'keypoints.flip_pairs': pairList,
};

function lookup(info, path) {
  let value = info;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(key in value)) return undefined;
    value = value[key];
  }
  return value;
}

/** Checks that `info` describes a top-down pose model this page can run; returns it. ModelFileError if not. */
export function checkPoseInfo(info) {
  if (info.task !== 'pose') {
    throw new ModelFileError('not-pose',
      `this model's metadata says task ${JSON.stringify(info.task ?? null)}, not "pose": choose a pose model (hrkeras convert of a pose model)`);
  }
  const bad = Object.entries(POSE_FIELDS).filter(([path, ok]) => !ok(lookup(info, path))).map(([path]) => path);
  if (bad.length) {
    throw new ModelFileError('bad-metadata',
      `the hrkeras metadata lacks or has unusable fields: ${bad.join(', ')}; ${FIX}`);
  }
  const k = info.keypoints.names.length;
  if ([...info.keypoints.skeleton, ...info.keypoints.flip_pairs].some(([a, b]) => a < 0 || b < 0 || a >= k || b >= k)) {
    throw new ModelFileError('bad-metadata', `the skeleton or flip pairs name keypoints past the ${k} listed; ${FIX}`);
  }
  return info;
}

/** Checks the compiled model's tensors against the metadata (a non-pose model fails here). */
export function checkModelShapes(info, inputShape, outputShape) {
  const [h, w] = info.input.size;
  const [hh, hw] = info.output.heatmap_size;
  const k = info.keypoints.names.length;
  const same = (a, b) => a.length === b.length && a.every((v, i) => Number(v) === b[i]);
  if (!same(inputShape, [1, h, w, 3]) || !same(outputShape, [1, hh, hw, k])) {
    throw new ModelFileError('not-pose',
      `this model takes [${[...inputShape]}] and gives [${[...outputShape]}], but a pose model with this metadata ` +
      `takes [1,${h},${w},3] and gives heatmaps [1,${hh},${hw},${k}]: choose the pose model the metadata was written for`);
  }
}
