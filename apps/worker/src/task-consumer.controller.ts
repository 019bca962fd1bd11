import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import { TASK_PATTERN, TaskConsumer } from '@omega/runtime';

/** Every label's queue delivers here; the consumer in libs/runtime does the work. */
@Controller()
export class TaskConsumerController {
  constructor(private readonly consumer: TaskConsumer) {}

  @EventPattern(TASK_PATTERN)
  consume(@Payload() data: unknown, @Ctx() context: RmqContext): Promise<void> {
    return this.consumer.consume(data, context);
  }
}
