import { status, type ServerDuplexStream } from "@grpc/grpc-js";
import {
  type ExecutorDirective,
  type ExecutorMessage,
  type ExecutorServiceServer,
  Task,
} from "@causeway/protocol";
import { type RemediationLifecycle } from "./lifecycle.js";

/**
 * The mediator's side of ExecutorService.Session: after the executor's hello, hands it approved
 * tasks one at a time (the next only after the previous one's result) and records progress and
 * results in the lifecycle, and so in the audit trail.
 */
export function executorServiceHandlers(lifecycle: RemediationLifecycle): ExecutorServiceServer {
  return {
    session(call: ServerDuplexStream<ExecutorMessage, ExecutorDirective>) {
      let executorId: string | undefined;
      let closed = false;
      let inFlight: string | undefined;
      let pumping = false;
      const pump = async (): Promise<void> => {
        if (pumping) return;
        pumping = true;
        try {
          await pumpTasks();
        } finally {
          pumping = false;
        }
      };
      const pumpTasks = async (): Promise<void> => {
        while (!closed && executorId && inFlight === undefined) {
          const signed = await lifecycle.nextTask();
          if (closed) {
            lifecycle.requeue(signed);
            return;
          }
          inFlight = Task.decode(signed.task).taskId;
          await lifecycle.dispatched(inFlight, executorId);
          call.write({ body: { $case: "task", value: signed } });
        }
      };
      call.on("data", (message: ExecutorMessage) => {
        const body = message.body;
        if (!body) return;
        if (body.$case === "hello") {
          if (executorId) return;
          if (body.value.executorId.trim() === "") {
            call.emit("error", { code: status.INVALID_ARGUMENT, details: "hello needs an executorId" });
            return;
          }
          executorId = body.value.executorId;
          void pump();
          return;
        }
        if (!executorId) {
          call.emit("error", {
            code: status.FAILED_PRECONDITION,
            details: "the first message must be a hello",
          });
          return;
        }
        const id = executorId;
        if (body.$case === "progress") {
          void lifecycle.progress(body.value.taskId, body.value.step, body.value.detail, id);
        } else if (body.$case === "result") {
          // Tasks go out one at a time, so a result ends the task in flight even when the executor
          // could not read its id (a task refused as undecodable carries none).
          const ended = body.value.taskId === inFlight || body.value.taskId === "";
          void lifecycle.finished(body.value.taskId, body.value.outcome, body.value.message, id).then(() => {
            if (ended) inFlight = undefined;
            return pump();
          });
        }
      });
      const close = (): void => {
        closed = true;
      };
      call.on("end", () => {
        close();
        call.end();
      });
      call.on("cancelled", close);
      call.on("error", close);
    },
  };
}
