/**
 * The todo list a transcript builds (TodoWrite; TaskCreate/TaskUpdate as CLI 2.1.197 prints them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TodoTracker } from '../../src/core/transcript/todos.js';

const use = (id: string, name: string, input: unknown) => ({ type: 'assistant', message: { content: [{ type: 'tool_use', id, name, input }] }, parent_tool_use_id: null });
const result = (id: string, content: string, toolUseResult?: unknown, isError = false) => ({
  type: 'user',
  message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, ...(isError ? { is_error: true } : {}) }] },
  ...(toolUseResult === undefined ? {} : { tool_use_result: toolUseResult }),
});
const view = (t: TodoTracker) => t.list.map((i) => `${i.id}:${i.status}:${i.content}`);

test('TaskCreate adds a task under the id its result names; TaskUpdate moves it and deletes it', () => {
  const t = new TodoTracker();
  t.observe(use('a', 'TaskCreate', { subject: 'Write tests', description: 'unit', activeForm: 'Writing tests' }));
  assert.deepEqual(view(t), [], 'nothing until the call succeeded');
  t.observe(result('a', 'Task #7 created successfully: Write tests', { task: { id: '7', subject: 'Write tests' } }));
  t.observe(use('b', 'TaskCreate', { subject: 'Ship', description: '' }));
  t.observe(result('b', 'Task #8 created successfully: Ship'));
  assert.deepEqual(view(t), ['7:pending:Write tests', '8:pending:Ship']);
  t.observe(use('c', 'TaskUpdate', { taskId: '7', status: 'in_progress' }));
  t.observe(result('c', 'Updated task #7 status', { success: true, taskId: '7', updatedFields: ['status'] }));
  assert.equal(t.list[0]!.status, 'in_progress');
  assert.equal(t.list[0]!.activeForm, 'Writing tests');
  t.observe(use('d', 'TaskUpdate', { taskId: '7', status: 'completed', subject: 'Write unit tests' }));
  t.observe(result('d', 'Updated'));
  t.observe(use('e', 'TaskUpdate', { taskId: '8', status: 'deleted' }));
  t.observe(result('e', 'Deleted'));
  assert.deepEqual(view(t), ['7:completed:Write unit tests']);
});

test('TodoWrite replaces the whole list; a failed call changes nothing', () => {
  const t = new TodoTracker();
  const todos = [
    { content: 'Read', status: 'completed', activeForm: 'Reading' },
    { content: 'Write', status: 'in_progress', activeForm: 'Writing' },
  ];
  t.observe(use('a', 'TodoWrite', { todos }));
  t.observe(result('a', 'Todos have been modified successfully'));
  assert.deepEqual(view(t), ['1:completed:Read', '2:in_progress:Write']);
  const rev = t.revision;
  t.observe(use('b', 'TodoWrite', { todos: [] }));
  t.observe(result('b', '<tool_use_error>No such tool</tool_use_error>', undefined, true));
  assert.deepEqual(view(t), ['1:completed:Read', '2:in_progress:Write']);
  assert.equal(t.revision, rev, 'no re-render for a failed call');
  t.observe(use('c', 'TodoWrite', { todos: [{ content: 'Only', status: 'bogus', activeForm: '' }] }));
  t.observe(result('c', 'ok'));
  assert.deepEqual(view(t), ['1:pending:Only'], 'an unknown status reads as pending');
});

test('other tools and lines leave the list alone', () => {
  const t = new TodoTracker();
  t.observe(use('a', 'Bash', { command: 'ls' }));
  t.observe(result('a', 'file'));
  t.observe({ type: 'system', subtype: 'init' });
  t.observe('not an object');
  assert.deepEqual(view(t), []);
  assert.equal(t.revision, 0);
});
