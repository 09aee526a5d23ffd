import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { createS3Client } from '../../shared/clients/s3';
import { createSnsClient } from '../../shared/clients/sns';
import { SDK_MAX_ATTEMPTS } from '../../shared/clients/options';

const SANDBOX_ENDPOINT = 'http://127.0.0.1:4566';

describe('clients', () => {
  const saved = process.env;
  beforeEach(() => {
    // Each test decides which of the SDK's own variables are set; none leaks from the shell or another test.
    process.env = { ...saved, AWS_REGION: 'us-east-1' };
    for (const key of ['AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION']) {
      delete process.env[key];
    }
  });
  afterEach(() => {
    process.env = saved;
  });

  describe.each([
    ['Data Exchange', createDataExchangeClient],
    ['S3', createS3Client],
    ['SNS', createSnsClient],
  ])('the %s client', (_service, create) => {
    it('applies the region and maxAttempts it is given', async () => {
      // Act
      const client = create({ region: 'eu-west-1', maxAttempts: 5 });

      // Assert
      await expect(client.config.region()).resolves.toBe('eu-west-1');
      await expect(client.config.maxAttempts()).resolves.toBe(5);
    });

    it('defaults to AWS_REGION and the project-wide SDK attempts', async () => {
      process.env.AWS_REGION = 'ap-southeast-2';

      const client = create();

      await expect(client.config.region()).resolves.toBe('ap-southeast-2');
      await expect(client.config.maxAttempts()).resolves.toBe(SDK_MAX_ATTEMPTS);
    });

    it('falls back to AWS_DEFAULT_REGION, which the AWS CLI uses', async () => {
      delete process.env.AWS_REGION;
      process.env.AWS_DEFAULT_REGION = 'sa-east-1';

      await expect(create().config.region()).resolves.toBe('sa-east-1');
    });

    it('sends requests to an endpoint override', async () => {
      const client = create({ endpoint: SANDBOX_ENDPOINT });

      await expect(client.config.endpoint?.()).resolves.toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 4566 });
      expect(client.config.isCustomEndpoint).toBe(true);
    });

    it("uses AWS's regional endpoint when there is no override", () => {
      const client = create({ region: 'us-west-2' });

      expect(client.config.endpoint).toBeUndefined();
      expect(client.config.isCustomEndpoint).toBe(false);
    });
  });

  describe.each([
    ['Data Exchange', createDataExchangeClient, 'AWS_ENDPOINT_URL_DATAEXCHANGE'],
    ['S3', createS3Client, 'AWS_ENDPOINT_URL_S3'],
    ['SNS', createSnsClient, 'AWS_ENDPOINT_URL_SNS'],
  ])("the %s client's own endpoint variable", (_service, create, variable) => {
    it(`sends requests where ${variable} says, read at each request, before AWS_ENDPOINT_URL`, async () => {
      // Arrange
      process.env[variable] = SANDBOX_ENDPOINT;
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
      const client = create();
      process.env[variable] = 'http://127.0.0.1:4567';

      // Act
      const endpoint = await client.config.endpoint?.();

      // Assert
      expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 4567 });
      expect(client.config.isCustomEndpoint).toBe(true);
    });
  });

  it("resolves Data Exchange's regional endpoint through the SDK's endpoint provider", () => {
    const client = createDataExchangeClient({ region: 'us-west-2' });

    const resolved = client.config.endpointProvider({ Region: 'us-west-2', UseFIPS: false, UseDualStack: false });

    expect(resolved.url.href).toBe('https://dataexchange.us-west-2.amazonaws.com/');
  });

  describe('S3', () => {
    it('uses path-style addressing with an endpoint override, since an emulator has no per-bucket hosts', () => {
      expect(createS3Client({ endpoint: SANDBOX_ENDPOINT }).config.forcePathStyle).toBe(true);
    });

    it('uses path-style addressing when AWS_ENDPOINT_URL_S3 points elsewhere', () => {
      process.env.AWS_ENDPOINT_URL_S3 = SANDBOX_ENDPOINT;

      expect(createS3Client().config.forcePathStyle).toBe(true);
    });

    it('keeps virtual-hosted addressing against AWS', () => {
      expect(createS3Client().config.forcePathStyle).toBe(false);
    });

    it('passes the checksum option to both request and response checksums', async () => {
      const client = createS3Client({ checksums: 'WHEN_REQUIRED' });

      await expect(client.config.requestChecksumCalculation()).resolves.toBe('WHEN_REQUIRED');
      await expect(client.config.responseChecksumValidation()).resolves.toBe('WHEN_REQUIRED');
    });

    it("leaves the SDK's default checksums when no option is given", async () => {
      await expect(createS3Client().config.requestChecksumCalculation()).resolves.toBe('WHEN_SUPPORTED');
    });

    it('lets AWS_REQUEST_CHECKSUM_CALCULATION set the checksums, as the sandbox exports it', async () => {
      process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_REQUIRED';

      await expect(createS3Client().config.requestChecksumCalculation()).resolves.toBe('WHEN_REQUIRED');
    });
  });
});
