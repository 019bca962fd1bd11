import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CsrfForm } from '../../http/console-forms';

/** A blank field is "not set": the key follows its role's or the platform's default. */
const BlankIsDefault = () =>
  Transform(({ value }) => (value === '' || value === undefined ? undefined : Number(value)));

/** A key's own rate limits from the user page: requests per window, 0 = no limit, blank = default. */
export class KeyLimitsForm extends CsrfForm {
  @BlankIsDefault()
  @IsOptional()
  @IsInt({ message: 'api must be a whole number of requests' })
  @Min(0)
  @Max(1e9)
  api?: number;

  @BlankIsDefault()
  @IsOptional()
  @IsInt({ message: 'uploads must be a whole number of requests' })
  @Min(0)
  @Max(1e9)
  uploads?: number;

  @BlankIsDefault()
  @IsOptional()
  @IsInt({ message: 'keys must be a whole number of requests' })
  @Min(0)
  @Max(1e9)
  keys?: number;
}
