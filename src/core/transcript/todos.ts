/**
 * A session's todo list as its transcript builds it. Two vocabularies (sdk-tools.d.ts):
 * - `TodoWrite {todos: [{content, status, activeForm}]}`: the whole list, every time (older CLIs);
 * - `TaskCreate {subject, description, activeForm?}` and `TaskUpdate {taskId, status?, subject?,
 *   activeForm?}`: one task at a time (CLI 2.1.197 offers only these in `-p` mode). A created
 *   task's id arrives in its result (`tool_use_result.task.id`, or the text "Task #1 created").
 * A call that failed changes nothing. No `node:` imports: the webview bundle uses it.
 */
import { toolResults, toolUses } from './blocks';
import { isObject, str, type Json } from './values';

export type TodoStatus = 'pending' | 'in_progress' | 'completed';

export interface TodoItem {
  /** The task id (TaskCreate) or the position in the list (TodoWrite). */
  id: string;
  content: string;
  /** What the item is called while it is being done ("Running the tests"). */
  activeForm: string;
  status: TodoStatus;
}

const STATUSES: ReadonlySet<string> = new Set(['pending', 'in_progress', 'completed']);
const TODO_TOOLS: ReadonlySet<string> = new Set(['TodoWrite', 'TaskCreate', 'TaskUpdate']);

export class TodoTracker {
  private items: TodoItem[] = [];
  /** Calls seen, waiting for their result: applied only if it is not an error. */
  private readonly pending = new Map<string, { name: string; input: Json }>();
  private rev = 0;

  /** Changes with every change of the list (to re-render only when needed). */
  get revision(): number {
    return this.rev;
  }

  get list(): readonly TodoItem[] {
    return this.items;
  }

  reset(): void {
    this.items = [];
    this.pending.clear();
    this.rev++;
  }

  /** Reads one transcript line (an entry's `raw`); lines that are not about todos are skipped cheaply. */
  observe(raw: unknown): void {
    if (!isObject(raw)) return;
    if (raw.type === 'assistant') {
      for (const use of toolUses(raw)) if (TODO_TOOLS.has(use.name)) this.pending.set(use.id, { name: use.name, input: use.input });
    } else if (raw.type === 'user' && this.pending.size) {
      for (const result of toolResults(raw)) {
        const call = this.pending.get(result.toolUseId);
        if (!call) continue;
        this.pending.delete(result.toolUseId);
        if (!result.isError) this.apply(call.name, call.input, raw.tool_use_result, result.text);
      }
    }
  }

  private apply(name: string, input: Json, output: unknown, text: string): void {
    if (name === 'TodoWrite') {
      const todos = Array.isArray(input.todos) ? input.todos.filter(isObject) : [];
      this.items = todos.map((t, i) => ({ id: String(i + 1), content: str(t.content), activeForm: str(t.activeForm), status: status(t.status) ?? 'pending' }));
    } else if (name === 'TaskCreate') {
      const task = isObject(output) && isObject(output.task) ? output.task : undefined;
      const id = str(task?.id) || /#(\S+)/.exec(text)?.[1] || String(this.items.length + 1);
      this.items = [...this.items, { id, content: str(input.subject), activeForm: str(input.activeForm), status: 'pending' }];
    } else {
      const id = str(input.taskId);
      if (input.status === 'deleted') this.items = this.items.filter((t) => t.id !== id);
      else {
        this.items = this.items.map((t) =>
          t.id !== id
            ? t
            : { ...t, status: status(input.status) ?? t.status, content: str(input.subject) || t.content, activeForm: str(input.activeForm) || t.activeForm },
        );
      }
    }
    this.rev++;
  }
}

function status(value: unknown): TodoStatus | undefined {
  return typeof value === 'string' && STATUSES.has(value) ? (value as TodoStatus) : undefined;
}
